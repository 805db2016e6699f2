import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createKeyValidator } from "@togglemaster/shared/auth-guard";
import { env, loadConfig } from "@togglemaster/shared/config";
import { createLogger, type Logger } from "@togglemaster/shared/logger";
import { Registry } from "@togglemaster/shared/metrics";
import { run, type Service } from "@togglemaster/shared/serve";
import { createAnalyticsApp } from "./app.ts";
import { createAwsClients } from "./aws.ts";
import { type ConsumerOptions, createConsumer } from "./consumer.ts";
import { createEventStore } from "./store.ts";

export interface AnalyticsServiceOptions {
  sqs: SQSClient;
  dynamo: DynamoDBClient;
  queueUrl: string;
  eventsTable: string;
  countersTable: string;
  authUrl: string;
  jwtSecret: string;
  logger: Logger;
  metrics: Registry;
  corsOrigins?: string[];
  consumer?: Pick<ConsumerOptions, "pollers" | "flushSize" | "flushDelayMs" | "closeTimeoutMs">;
  now?: () => number;
}

/** The store, the consumer and the app wired together; the consumer is not started. */
export function createAnalyticsService(options: AnalyticsServiceOptions) {
  const { sqs, dynamo, queueUrl, logger, metrics } = options;
  const store = createEventStore({
    dynamo,
    eventsTable: options.eventsTable,
    countersTable: options.countersTable,
    metrics,
  });
  const consumer = createConsumer({ sqs, queueUrl, store, logger, metrics, ...options.consumer });
  const app = createAnalyticsApp({
    store,
    health: consumer.health,
    jwtSecret: options.jwtSecret,
    validateKey: createKeyValidator({ authUrl: options.authUrl }),
    logger,
    metrics,
    corsOrigins: options.corsOrigins,
    now: options.now,
  });
  const close = async () => {
    await consumer.close();
    sqs.destroy();
    dynamo.destroy();
  };
  return { app, consumer, close };
}

export async function main(
  source: Record<string, string | undefined> = process.env,
): Promise<Service> {
  const config = loadConfig(
    {
      PORT: env.int(8005, { min: 1, max: 65_535 }),
      AUTH_SERVICE_URL: env.url(),
      JWT_SECRET: env.secret(32),
      AWS_SQS_URL: env.url(),
      AWS_DYNAMODB_TABLE: env.string("analytics_events"),
      AWS_DYNAMODB_COUNTERS_TABLE: env.string("analytics_counters"),
      AWS_REGION: env.string("us-east-1"),
      AWS_ENDPOINT_URL: env.optionalUrl(),
      // Local emulators serve SQS and DynamoDB on different ports.
      AWS_ENDPOINT_URL_SQS: env.optionalUrl(),
      AWS_ENDPOINT_URL_DYNAMODB: env.optionalUrl(),
      ANALYTICS_POLLERS: env.int(2, { min: 1, max: 10 }),
      CORS_ORIGINS: env.list(),
      LOG_LEVEL: env.oneOf(["debug", "info", "warn", "error"], "info"),
    },
    source,
  );
  const logger = createLogger({ service: "analytics", level: config.LOG_LEVEL });
  const { sqs, dynamo } = createAwsClients({
    region: config.AWS_REGION,
    sqsEndpoint: config.AWS_ENDPOINT_URL_SQS ?? config.AWS_ENDPOINT_URL,
    dynamoEndpoint: config.AWS_ENDPOINT_URL_DYNAMODB ?? config.AWS_ENDPOINT_URL,
  });
  const { app, consumer, close } = createAnalyticsService({
    sqs,
    dynamo,
    queueUrl: config.AWS_SQS_URL,
    eventsTable: config.AWS_DYNAMODB_TABLE,
    countersTable: config.AWS_DYNAMODB_COUNTERS_TABLE,
    authUrl: config.AUTH_SERVICE_URL,
    jwtSecret: config.JWT_SECRET,
    logger,
    metrics: new Registry(),
    corsOrigins: config.CORS_ORIGINS,
    consumer: { pollers: config.ANALYTICS_POLLERS },
  });
  consumer.start();
  return { name: "analytics", port: config.PORT, app, logger, close };
}

if (import.meta.main) await run(main);
