import { type AnyElysia, Elysia } from "elysia";
import { authGuard, createKeyValidator, type KeyValidator } from "./auth-guard.ts";
import { changePublisher, type PublishChange } from "./changes.ts";
import { env, loadConfig } from "./config.ts";
import { createPool, type Migration, migrate, type Pool, pingDatabase } from "./db.ts";
import { platform, type ReadinessChecks } from "./http.ts";
import { createLogger, type Logger } from "./logger.ts";
import { Registry } from "./metrics.ts";
import { createRedis } from "./redis.ts";
import type { Service } from "./serve.ts";

/**
 * flag and targeting are the same kind of service: a PostgreSQL table behind API-key or
 * JWT authentication, announcing every write. This is their shared shape.
 */
export interface DataServiceOptions {
  validateKey: KeyValidator;
  jwtSecret: string;
  publish: PublishChange;
  logger: Logger;
  metrics: Registry;
  ready: ReadinessChecks;
  corsOrigins?: string[];
}

/** Platform edge, then authentication, then the service's routes. */
export function dataServiceApp<const Routes extends AnyElysia>(
  service: string,
  options: DataServiceOptions,
  routes: Routes,
) {
  const { logger, metrics, ready, corsOrigins } = options;
  return new Elysia({ name: `${service}-service` })
    .use(platform({ service, logger, metrics, ready, corsOrigins }))
    .use(authGuard(options))
    .use(routes);
}

export interface DataServiceWiring {
  service: string;
  defaultPort: number;
  migrations: Migration[];
  createApp: (pool: Pool, options: DataServiceOptions) => AnyElysia;
}

/** Reads the environment, migrates the database and builds the app. */
export async function wireDataService(
  { service, defaultPort, migrations, createApp }: DataServiceWiring,
  source: Record<string, string | undefined> = process.env,
): Promise<Service> {
  const config = loadConfig(
    {
      PORT: env.int(defaultPort, { min: 1, max: 65_535 }),
      DATABASE_URL: env.url(),
      AUTH_SERVICE_URL: env.url(),
      JWT_SECRET: env.secret(32),
      REDIS_URL: env.optionalUrl(),
      CORS_ORIGINS: env.list(),
      LOG_LEVEL: env.oneOf(["debug", "info", "warn", "error"], "info"),
    },
    source,
  );
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const pool = createPool(config.DATABASE_URL);
  await migrate(pool, service, migrations);
  const redis = config.REDIS_URL ? createRedis(config.REDIS_URL, logger) : undefined;
  const app = createApp(pool, {
    validateKey: createKeyValidator({ authUrl: config.AUTH_SERVICE_URL }),
    jwtSecret: config.JWT_SECRET,
    publish: changePublisher(redis, logger),
    corsOrigins: config.CORS_ORIGINS,
    logger,
    metrics: new Registry(),
    ready: { database: pingDatabase(pool) },
  });
  const close = async () => {
    redis?.disconnect();
    await pool.end();
  };
  return { name: service, port: config.PORT, app, logger, close };
}
