import { SQSClient } from "@aws-sdk/client-sqs";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import { createKeyValidator } from "@togglemaster/shared/auth-guard";
import { env, loadConfig } from "@togglemaster/shared/config";
import { createLogger, type Logger } from "@togglemaster/shared/logger";
import { Registry } from "@togglemaster/shared/metrics";
import { createRedis } from "@togglemaster/shared/redis";
import { run, type Service } from "@togglemaster/shared/serve";
import { createEvaluationApp } from "./app.ts";
import {
  createFlagCache,
  createFlagListCache,
  type FlagCache,
  type FlagCacheOptions,
} from "./cache.ts";
import { followChanges } from "./changes.ts";
import { createEventPublisher, discardEvents, type EventPublisherOptions } from "./events.ts";
import { checkHealth, createTokenSource, createUpstream } from "./upstream.ts";

export interface EvaluationServiceOptions {
  port?: number;
  authUrl: string;
  flagUrl: string;
  targetingUrl: string;
  apiKey: string;
  jwtSecret: string;
  /** Without it there is no shared tier and no change notices: entries live 1 s. */
  redisUrl?: string;
  /** Without it evaluation events are not sent. */
  queue?: { sqs: SQSClient; queueUrl: string };
  logger: Logger;
  metrics?: Registry;
  corsOrigins?: string[];
  cacheOptions?: Partial<Omit<FlagCacheOptions, "fetchSnapshot" | "logger" | "metrics" | "redis">>;
  eventOptions?: Partial<Omit<EventPublisherOptions, "sqs" | "queueUrl" | "logger" | "metrics">>;
}

export type EvaluationService = Service & { cache: FlagCache; metrics: Registry };

/** Everything the service is made of, from plain values: what `main` and the tests share. */
export function createEvaluationService({
  port = 8004,
  authUrl,
  flagUrl,
  targetingUrl,
  apiKey,
  jwtSecret,
  redisUrl,
  queue,
  logger,
  metrics = new Registry(),
  corsOrigins,
  cacheOptions,
  eventOptions,
}: EvaluationServiceOptions): EvaluationService {
  const tokens = createTokenSource({ authUrl, apiKey });
  const upstream = createUpstream({ flagUrl, targetingUrl, tokens, metrics });
  const redis = redisUrl === undefined ? undefined : createRedis(redisUrl, logger);
  const subscriber =
    redisUrl === undefined ? undefined : createRedis(redisUrl, logger, "redis-subscriber");
  const cache = createFlagCache({
    fetchSnapshot: upstream.snapshot,
    redis,
    logger,
    metrics,
    ...cacheOptions,
  });
  const flagList = createFlagListCache({ list: upstream.flagNames });
  const changes =
    subscriber === undefined
      ? undefined
      : followChanges({
          subscriber,
          logger,
          onNotice: (notice) => {
            cache.invalidate(notice.name);
            if (notice.kind === "flag" && notice.action !== "updated") flagList.invalidate();
          },
          onActive: (active) => cache.setNoticesActive(active),
        });
  if (queue === undefined) logger.warn("AWS_SQS_URL is not set: evaluation events are not sent");
  const events =
    queue === undefined
      ? discardEvents
      : createEventPublisher({ ...queue, logger, metrics, ...eventOptions });

  const app = createEvaluationApp({
    cache,
    flagList,
    events,
    jwtSecret,
    validateKey: createKeyValidator({ authUrl }),
    logger,
    metrics,
    corsOrigins,
    ready: {
      flag: () => checkHealth(flagUrl),
      targeting: () => checkHealth(targetingUrl),
      auth: () => checkHealth(authUrl),
    },
    reported:
      redis === undefined || changes === undefined
        ? {}
        : {
            redis: () => redis.ping(),
            change_notices: async () => {
              if (!changes.active) throw new Error("not subscribed: entries live 1 s");
            },
          },
  });

  const close = async () => {
    await events.close();
    subscriber?.disconnect();
    redis?.disconnect();
  };
  return { name: "evaluation", port, app, logger, close, cache, metrics };
}

export async function main(source: Record<string, string | undefined> = process.env) {
  const config = loadConfig(
    {
      PORT: env.int(8004, { min: 1, max: 65_535 }),
      REDIS_URL: env.optionalUrl(),
      AUTH_SERVICE_URL: env.url(),
      FLAG_SERVICE_URL: env.url(),
      TARGETING_SERVICE_URL: env.url(),
      SERVICE_API_KEY: env.secret(16),
      JWT_SECRET: env.secret(32),
      AWS_SQS_URL: env.optionalUrl(),
      AWS_REGION: env.string("us-east-1"),
      AWS_ENDPOINT_URL: env.optionalUrl(),
      AWS_ENDPOINT_URL_SQS: env.optionalUrl(),
      EVENT_BUFFER_CAPACITY: env.int(100_000, { min: 10, max: 10_000_000 }),
      LOG_LEVEL: env.oneOf(["debug", "info", "warn", "error"], "info"),
      CORS_ORIGINS: env.list(),
    },
    source,
  );
  const logger = createLogger({ service: "evaluation", level: config.LOG_LEVEL });
  const queue =
    config.AWS_SQS_URL === undefined
      ? undefined
      : {
          queueUrl: config.AWS_SQS_URL,
          sqs: new SQSClient({
            region: config.AWS_REGION,
            endpoint: config.AWS_ENDPOINT_URL_SQS ?? config.AWS_ENDPOINT_URL,
            // Few, short attempts: the publisher retries on its own, evaluation never waits.
            // The fetch transport costs a quarter less CPU per call than the node:http one,
            // and sending events is most of what a busy evaluation-service does.
            maxAttempts: 2,
            requestHandler: new FetchHttpHandler({ requestTimeout: 3_000 }),
            // The MD5 echo of every message body guards against corruption that TLS already
            // rules out, at a tenth of the SDK's cost per call.
            md5: false,
          }),
        };
  return createEvaluationService({
    port: config.PORT,
    authUrl: config.AUTH_SERVICE_URL,
    flagUrl: config.FLAG_SERVICE_URL,
    targetingUrl: config.TARGETING_SERVICE_URL,
    apiKey: config.SERVICE_API_KEY,
    jwtSecret: config.JWT_SECRET,
    redisUrl: config.REDIS_URL,
    queue,
    eventOptions: { capacity: config.EVENT_BUFFER_CAPACITY },
    logger,
    corsOrigins: config.CORS_ORIGINS,
  });
}

if (import.meta.main) await run(main);
