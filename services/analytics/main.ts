import {
  createKeyValidator,
  createLogger,
  env,
  loadConfig,
  Registry,
  run,
  type Service,
} from "@togglemaster/shared";
import { createAnalyticsApp } from "./app.ts";
import { createAwsClients } from "./aws.ts";
import { createConsumer } from "./consumer.ts";
import { createEventStore } from "./store.ts";

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
  const metrics = new Registry();
  const { sqs, dynamo } = createAwsClients({
    region: config.AWS_REGION,
    sqsEndpoint: config.AWS_ENDPOINT_URL_SQS ?? config.AWS_ENDPOINT_URL,
    dynamoEndpoint: config.AWS_ENDPOINT_URL_DYNAMODB ?? config.AWS_ENDPOINT_URL,
  });
  const store = createEventStore({
    dynamo,
    eventsTable: config.AWS_DYNAMODB_TABLE,
    countersTable: config.AWS_DYNAMODB_COUNTERS_TABLE,
    metrics,
  });
  const consumer = createConsumer({
    sqs,
    queueUrl: config.AWS_SQS_URL,
    store,
    logger,
    metrics,
    pollers: config.ANALYTICS_POLLERS,
  });
  const app = createAnalyticsApp({
    store,
    health: consumer.health,
    jwtSecret: config.JWT_SECRET,
    validateKey: createKeyValidator({ authUrl: config.AUTH_SERVICE_URL }),
    logger,
    metrics,
    corsOrigins: config.CORS_ORIGINS,
  });
  consumer.start();
  const close = async () => {
    await consumer.close();
    sqs.destroy();
    dynamo.destroy();
  };
  return { name: "analytics", port: config.PORT, app, logger, close };
}

if (import.meta.main) await run(main);
