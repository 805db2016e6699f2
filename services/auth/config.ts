import { commonSettings, type Env, env, loadConfig } from "@togglemaster/shared/config";

export const authSettings = {
  ...commonSettings("auth"),
  DATABASE_URL: env.url().doc("PostgreSQL URL of the service's own database"),
  MASTER_KEY: env.secret(16).doc("protects `/admin/*` (at least 16 characters)"),
  JWT_SECRET: env.secret(32).doc("HS256 secret of the JWTs auth issues (at least 32 characters)"),
  TOKEN_TTL_SECONDS: env.int(900, { min: 60, max: 86_400 }).doc("lifetime of issued JWTs"),
  ADMIN_RATE_LIMIT: env
    .int(60, { min: 1, max: 100_000 })
    .doc("admin requests per client per minute"),
};

export const readConfig = (source: Env = process.env) => loadConfig(authSettings, source);
export type AuthConfig = ReturnType<typeof readConfig>;
