import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";

export interface AwsClientOptions {
  region: string;
  /** An emulator's endpoint; unset means AWS itself. */
  endpoint?: string;
  /** Unset means the SDK's default chain (environment, web identity, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Every call has a deadline: 2 s to connect, 5 s for an answer (the long poll raises its own
 * per call), and one SDK retry, because the consumer retries with its own backoff.
 */
const transport = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
};

export const sqsClient = (options: AwsClientOptions) => new SQSClient({ ...transport, ...options });

export const dynamoClient = (options: AwsClientOptions) =>
  new DynamoDBClient({ ...transport, ...options });
