import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createKeyValidator, type KeyValidator } from "@togglemaster/shared/auth-guard";
import { type Clock, systemClock } from "@togglemaster/shared/clock";
import { createLogger, type Logger } from "@togglemaster/shared/logger";
import { Registry } from "@togglemaster/shared/metrics";
import type { Service } from "@togglemaster/shared/serve";
import { createAnalyticsApp } from "./app.ts";
import { dynamoClient, sqsClient } from "./aws.ts";
import type { AnalyticsConfig } from "./config.ts";
import { Consumer, type ConsumerTuning } from "./consumer.ts";
import { SqsQueue } from "./queue.ts";
import { DynamoEventStore } from "./store.ts";

/** What a test may put in place of what the configuration describes. */
export interface AnalyticsDeps {
  /** Clients the service takes over (`close()` destroys them); built from the config otherwise. */
  sqs?: SQSClient;
  dynamo?: DynamoDBClient;
  logger?: Logger;
  metrics?: Registry;
  clock?: Clock;
  /** Asks auth-service by default. */
  validateKey?: KeyValidator;
  tuning?: Partial<ConsumerTuning>;
  /** Consume at once (the default), or leave `consumer.start()` to the caller. */
  startConsumer?: boolean;
}

export interface AnalyticsService extends Service {
  consumer: Consumer;
  metrics: Registry;
}

/** analytics-service from its configuration: the store, the consumer and the app. */
export function createAnalyticsService(
  config: AnalyticsConfig,
  deps: AnalyticsDeps = {},
): AnalyticsService {
  const logger = deps.logger ?? createLogger({ service: "analytics", level: config.LOG_LEVEL });
  const metrics = deps.metrics ?? new Registry();
  const clock = deps.clock ?? systemClock;
  const region = config.AWS_REGION;
  const sqs =
    deps.sqs ??
    sqsClient({ region, endpoint: config.AWS_ENDPOINT_URL_SQS ?? config.AWS_ENDPOINT_URL });
  const dynamo =
    deps.dynamo ??
    dynamoClient({ region, endpoint: config.AWS_ENDPOINT_URL_DYNAMODB ?? config.AWS_ENDPOINT_URL });

  const store = new DynamoEventStore({
    dynamo,
    eventsTable: config.AWS_DYNAMODB_TABLE,
    countersTable: config.AWS_DYNAMODB_COUNTERS_TABLE,
    metrics,
    clock,
  });
  const consumer = new Consumer({
    queue: new SqsQueue(sqs, config.AWS_SQS_URL, metrics),
    store,
    itemPolicy: {
      mode: config.ANALYTICS_EVENT_ITEMS,
      sampleRate: config.ANALYTICS_EVENT_SAMPLE_RATE,
      byFlag: config.ANALYTICS_EVENT_ITEMS_BY_FLAG,
    },
    logger,
    metrics,
    clock,
    tuning: { pollers: config.ANALYTICS_POLLERS, ...deps.tuning },
  });
  const app = createAnalyticsApp({
    store,
    health: () => consumer.health(),
    jwtSecret: config.JWT_SECRET,
    validateKey: deps.validateKey ?? createKeyValidator({ authUrl: config.AUTH_SERVICE_URL }),
    logger,
    metrics,
    corsOrigins: config.CORS_ORIGINS,
    now: clock.now,
  });
  if (deps.startConsumer ?? true) consumer.start();

  return {
    name: "analytics",
    port: config.PORT,
    app,
    logger,
    consumer,
    metrics,
    async close() {
      await consumer.close();
      sqs.destroy();
      dynamo.destroy();
    },
  };
}
