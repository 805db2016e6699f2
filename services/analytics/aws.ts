import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";

export interface AwsClientOptions {
  region: string;
  /** An emulator's endpoint; unset means AWS itself. */
  endpoint?: string;
  /** Unset means the SDK's default chain (environment, web identity, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Every call has a deadline: 5 s for the whole exchange (the long poll raises its own per
 * call), and one SDK retry, because the consumer retries with its own backoff. The fetch
 * transport, as evaluation's: the SDK's default node:http one idles analytics a MiB larger.
 */
const transport = {
  maxAttempts: 2,
  requestHandler: new FetchHttpHandler({ requestTimeout: 5_000 }),
};

export const sqsClient = (options: AwsClientOptions) => new SQSClient({ ...transport, ...options });

export const dynamoClient = (options: AwsClientOptions) =>
  new DynamoDBClient({ ...transport, ...options });
