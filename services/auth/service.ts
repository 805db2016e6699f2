import { databaseErrors, openDatabase, pingDatabase } from "@togglemaster/shared/db";
import { createLogger, type Logger } from "@togglemaster/shared/logger";
import { Registry } from "@togglemaster/shared/metrics";
import type { Service } from "@togglemaster/shared/serve";
import { createAuthApp } from "./app.ts";
import type { AuthConfig } from "./config.ts";
import { migrations } from "./migrations/index.ts";
import { createKeyStore } from "./store.ts";

/** auth-service from its configuration: migrates its database and builds the app. */
export async function createAuthService(
  config: AuthConfig,
  { logger = createLogger({ service: "auth", level: config.LOG_LEVEL }) }: { logger?: Logger } = {},
): Promise<Service> {
  const pool = await openDatabase(config.DATABASE_URL, "auth", migrations);
  const metrics = new Registry();
  const app = createAuthApp({
    store: createKeyStore(pool),
    masterKey: config.MASTER_KEY,
    jwtSecret: config.JWT_SECRET,
    tokenTtlSeconds: config.TOKEN_TTL_SECONDS,
    adminRateLimit: config.ADMIN_RATE_LIMIT,
    edge: {
      service: "auth",
      logger,
      metrics,
      corsOrigins: config.CORS_ORIGINS,
      ready: { database: pingDatabase(pool) },
      errorMappers: [databaseErrors],
    },
  });
  return { name: "auth", port: config.PORT, app, logger, metrics, close: () => pool.end() };
}
