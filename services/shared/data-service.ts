/**
 * flag and targeting are the same kind of service: PostgreSQL tables behind API-key or JWT
 * authentication, announcing every write on Redis and following the announcements of
 * their replicas, so their own read caches stay fresh. This is their shared wiring, from
 * plain configuration values.
 */
import { type AnyElysia, Elysia } from "elysia";
import { type AuthGuardOptions, authGuard, createKeyValidator } from "./auth-guard.ts";
import {
  type ChangeNotice,
  changePublisher,
  followChanges,
  type PublishChange,
} from "./changes.ts";
import { type Config, commonSettings, env } from "./config.ts";
import { databaseErrors, type Migration, openDatabase, type Pool, pingDatabase } from "./db.ts";
import { Freshness } from "./freshness.ts";
import { type EdgeOptions, platform } from "./http.ts";
import { createLogger, type Logger } from "./logger.ts";
import { Registry } from "./metrics.ts";
import { createRedis } from "./redis.ts";
import type { Service } from "./serve.ts";
import type { ServiceName } from "./topology.ts";

export const dataServiceSettings = (service: ServiceName) => ({
  ...commonSettings(service),
  DATABASE_URL: env.url().doc("PostgreSQL URL of the service's own database"),
  AUTH_SERVICE_URL: env.url().doc("auth-service base URL (API keys are checked there)"),
  JWT_SECRET: env.secret(32).doc("HS256 secret of the JWTs auth issues"),
  REDIS_URL: env
    .optionalUrl()
    .doc("Redis for change notices (and evaluation's shared cache); without it caches live 1 s"),
});

export type DataServiceConfig = Config<ReturnType<typeof dataServiceSettings>>;

/** What a data service's app is built from. */
export interface DataServiceParts {
  pool: Pool;
  publish: PublishChange;
  /** Whether cached reads can trust change notices (see Freshness). */
  freshness: Freshness;
  /** Registers what to do when any replica announces a change. */
  onChange(listener: (notice: ChangeNotice) => void): void;
  auth: AuthGuardOptions;
  edge: EdgeOptions;
}

export interface DataServiceDeps {
  logger?: Logger;
}

/** Opens the database (migrated), Redis and the change feed, then builds the app. */
export async function createDataService(
  service: ServiceName,
  config: DataServiceConfig,
  migrations: Migration[],
  buildApp: (parts: DataServiceParts) => AnyElysia,
  { logger = createLogger({ service, level: config.LOG_LEVEL }) }: DataServiceDeps = {},
): Promise<Service> {
  const pool = await openDatabase(config.DATABASE_URL, service, migrations);
  const redis = config.REDIS_URL ? createRedis(config.REDIS_URL, logger) : undefined;
  const subscriber = config.REDIS_URL
    ? createRedis(config.REDIS_URL, logger, "redis-subscriber")
    : undefined;
  const freshness = new Freshness();
  const listeners: ((notice: ChangeNotice) => void)[] = [];
  if (subscriber !== undefined)
    followChanges({
      subscriber,
      logger,
      onNotice: (notice) => {
        for (const listener of listeners) listener(notice);
      },
      onActive: (active) => freshness.setNoticesActive(active),
    });
  const announce = changePublisher(redis, logger);
  const metrics = new Registry();
  const app = buildApp({
    pool,
    // Local listeners first, so this replica reads its own writes at once.
    publish: (notice) => {
      for (const listener of listeners) listener(notice);
      announce(notice);
    },
    freshness,
    onChange: (listener) => listeners.push(listener),
    auth: {
      jwtSecret: config.JWT_SECRET,
      validateKey: createKeyValidator({ authUrl: config.AUTH_SERVICE_URL }),
    },
    edge: {
      service,
      logger,
      metrics,
      corsOrigins: config.CORS_ORIGINS,
      ready: { database: pingDatabase(pool) },
      errorMappers: [databaseErrors],
    },
  });
  const close = async () => {
    subscriber?.disconnect();
    redis?.disconnect();
    await pool.end();
  };
  return { name: service, port: config.PORT, app, logger, metrics, close };
}

/** Platform edge, then authentication, then the service's routes. */
export function dataServiceApp<const Routes extends AnyElysia>(
  { edge, auth }: Pick<DataServiceParts, "edge" | "auth">,
  routes: Routes,
) {
  return new Elysia({ name: `${edge.service}-service` })
    .use(platform(edge))
    .use(authGuard(auth))
    .use(routes);
}
