import { env, loadConfig } from "@togglemaster/shared/config";
import { createPool, migrate, pingDatabase } from "@togglemaster/shared/db";
import { createLogger } from "@togglemaster/shared/logger";
import { Registry } from "@togglemaster/shared/metrics";
import { run } from "@togglemaster/shared/serve";
import { createAuthApp } from "./app.ts";
import { migrations } from "./migrations/index.ts";
import { createKeyStore } from "./store.ts";

export async function main() {
  const config = loadConfig({
    PORT: env.int(8001, { min: 1, max: 65_535 }),
    DATABASE_URL: env.url(),
    MASTER_KEY: env.secret(16),
    JWT_SECRET: env.secret(32),
    TOKEN_TTL_SECONDS: env.int(900, { min: 60, max: 86_400 }),
    ADMIN_RATE_LIMIT: env.int(60, { min: 1, max: 100_000 }),
    CORS_ORIGINS: env.list(),
    LOG_LEVEL: env.oneOf(["debug", "info", "warn", "error"], "info"),
  });
  const logger = createLogger({ service: "auth", level: config.LOG_LEVEL });
  const pool = createPool(config.DATABASE_URL);
  await migrate(pool, "auth", migrations);
  const app = createAuthApp({
    store: createKeyStore(pool),
    masterKey: config.MASTER_KEY,
    jwtSecret: config.JWT_SECRET,
    tokenTtlSeconds: config.TOKEN_TTL_SECONDS,
    adminRateLimit: config.ADMIN_RATE_LIMIT,
    corsOrigins: config.CORS_ORIGINS,
    logger,
    metrics: new Registry(),
    ready: { database: pingDatabase(pool) },
  });
  return { name: "auth", port: config.PORT, app, logger, close: () => pool.end() };
}

if (import.meta.main) await run(main);
