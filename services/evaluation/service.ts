import { SQSClient } from "@aws-sdk/client-sqs";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import { createKeyValidator } from "@togglemaster/shared/auth-guard";
import { followChanges } from "@togglemaster/shared/changes";
import type { Clock } from "@togglemaster/shared/clock";
import { createLogger, type Logger } from "@togglemaster/shared/logger";
import { Registry } from "@togglemaster/shared/metrics";
import { createRedis } from "@togglemaster/shared/redis";
import type { Service } from "@togglemaster/shared/serve";
import { createEvaluationApp } from "./app.ts";
import { FlagCache, type FlagCacheOptions, FlagListCache } from "./cache.ts";
import type { EvaluationConfig } from "./config.ts";
import { discardEvents, EventPublisher, type EventSink } from "./events.ts";
import { ofrepErrorBody } from "./ofrep.ts";
import { checkHealth, createTokenSource, createUpstream } from "./upstream.ts";

export interface EvaluationDeps {
  logger?: Logger;
  metrics?: Registry;
  /** The SQS client events go through; built from the configuration by default. */
  sqs?: SQSClient;
  clock?: Clock;
  /** Tests isolate their Redis keys and choose how long entries live. */
  cacheOptions?: Partial<Pick<FlagCacheOptions, "redisKeyPrefix" | "freshness">>;
}

export type EvaluationService = Service & {
  cache: FlagCache;
  metrics: Registry;
  events: EventSink;
};

/**
 * The SQS client of the events: few, short attempts (the publisher retries on its own) over
 * the fetch transport, a quarter cheaper in CPU than node:http; no MD5 echo of each body,
 * which guards against corruption TLS already rules out, at a tenth of the SDK's cost.
 */
function createSqsClient(config: EvaluationConfig) {
  return new SQSClient({
    region: config.AWS_REGION,
    endpoint: config.AWS_ENDPOINT_URL_SQS ?? config.AWS_ENDPOINT_URL,
    maxAttempts: 2,
    requestHandler: new FetchHttpHandler({ requestTimeout: 3_000 }),
    md5: false,
  });
}

/** evaluation-service from its configuration. */
export function createEvaluationService(
  config: EvaluationConfig,
  deps: EvaluationDeps = {},
): EvaluationService {
  const logger =
    deps.logger ??
    createLogger({ service: "evaluation", level: config.LOG_LEVEL, requests: config.LOG_REQUESTS });
  const metrics = deps.metrics ?? new Registry();
  const urls = {
    auth: config.AUTH_SERVICE_URL,
    flag: config.FLAG_SERVICE_URL,
    targeting: config.TARGETING_SERVICE_URL,
  };
  const tokens = createTokenSource({ authUrl: urls.auth, apiKey: config.SERVICE_API_KEY });
  const upstream = createUpstream({
    flagUrl: urls.flag,
    targetingUrl: urls.targeting,
    tokens,
    metrics,
  });
  const redis = config.REDIS_URL ? createRedis(config.REDIS_URL, logger) : undefined;
  const subscriber = config.REDIS_URL
    ? createRedis(config.REDIS_URL, logger, "redis-subscriber")
    : undefined;
  const cache = new FlagCache({
    fetchSnapshot: upstream.snapshot,
    redis,
    logger,
    metrics,
    clock: deps.clock,
    ...deps.cacheOptions,
  });
  const flagList = new FlagListCache({ list: upstream.flagNames, clock: deps.clock });
  const changes =
    subscriber &&
    followChanges({
      subscriber,
      logger,
      onNotice: (notice) => {
        if (notice.kind === "segment" || notice.kind === "flag_set") cache.invalidateAll();
        else cache.invalidate(notice.name);
        if (notice.kind === "flag" && notice.action !== "updated") flagList.invalidate();
      },
      onActive: (active) => cache.freshness.setNoticesActive(active),
    });

  let events: EventSink = discardEvents;
  if (config.AWS_SQS_URL === undefined)
    logger.warn("AWS_SQS_URL is not set: evaluation events are not sent");
  else
    events = new EventPublisher({
      sqs: deps.sqs ?? createSqsClient(config),
      queueUrl: config.AWS_SQS_URL,
      logger,
      metrics,
      capacity: config.EVENT_BUFFER_CAPACITY,
      flushIntervalMs: config.EVENT_FLUSH_MS,
      countsIntervalMs: config.EVENT_COUNTS_INTERVAL_MS,
      closeTimeoutMs: config.EVENT_CLOSE_TIMEOUT_MS,
      clock: deps.clock,
    });

  const upstreamHealth = {
    auth: () => checkHealth(urls.auth),
    flag: () => checkHealth(urls.flag),
    targeting: () => checkHealth(urls.targeting),
  };
  const app = createEvaluationApp({
    cache,
    flagList,
    events,
    auth: { jwtSecret: config.JWT_SECRET, validateKey: createKeyValidator({ authUrl: urls.auth }) },
    edge: {
      service: "evaluation",
      logger,
      metrics,
      corsOrigins: config.CORS_ORIGINS,
      hotRoutes: ["/evaluate", "/ofrep/v1/evaluate/flags/:key", "/ofrep/v1/evaluate/flags"],
      errorBody: ofrepErrorBody,
      // Ready while it can answer: with flags in memory (served even while their services
      // are down), or else with the services to read them from.
      ready: {
        serving: async () => {
          if (cache.size > 0) return;
          await Promise.all(Object.values(upstreamHealth).map((check) => check()));
        },
      },
      reported: {
        ...upstreamHealth,
        ...(redis && {
          redis: () => redis.ping(),
          change_notices: async () => {
            if (!changes?.active) throw new Error("not subscribed: entries live 1 s");
          },
        }),
      },
    },
  });

  const close = async () => {
    await events.close();
    subscriber?.disconnect();
    redis?.disconnect();
  };
  return { name: "evaluation", port: config.PORT, app, logger, close, cache, metrics, events };
}
