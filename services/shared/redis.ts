import Redis from "ioredis";
import type { Logger } from "./logger.ts";

/**
 * A Redis client that fails fast instead of queueing: when Redis is down a command errors
 * within `commandTimeout` and callers fall back, while the client keeps reconnecting.
 */
export function createRedis(url: string, logger: Logger, name = "redis"): Redis {
  const client = new Redis(url, {
    lazyConnect: false,
    connectTimeout: 1_000,
    commandTimeout: 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let healthy = true;
  client.on("error", (error: Error) => {
    if (healthy) logger.warn(`${name} unavailable`, { error: error.message });
    healthy = false;
  });
  client.on("ready", () => {
    if (!healthy) logger.info(`${name} reconnected`);
    healthy = true;
  });
  return client;
}

export type { Redis };
