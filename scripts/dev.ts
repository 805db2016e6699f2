/**
 * `bun dev`: the whole platform on one machine with no setup.
 *
 * Whatever is not configured is provided locally: PostgreSQL by PGlite (one per service
 * database, kept in .dev/), SQS and DynamoDB by fauxqs and dynalite. Redis is used only
 * when REDIS_URL is set; without it evaluation keeps changes visible within a second by
 * short in-process freshness instead of pub/sub.
 */
import { join } from "node:path";
import { serviceEnvironment, startAwsLocal } from "./aws-local.ts";
import { REPO_ROOT, type ServiceName } from "./build.ts";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";
import { type RunningService, runtimeFromEnv, startService } from "./runtimes.ts";

const env = process.env;
const runtime = runtimeFromEnv(env);
const stops: (() => Promise<unknown>)[] = [];
const randomSecret = () =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");

const COLORS: Record<ServiceName, number> = {
  auth: 35,
  flag: 32,
  targeting: 36,
  evaluation: 33,
  analytics: 34,
};

/** Prefixes each line a service writes with its name, so five logs read as one. */
function printer(service: ServiceName) {
  const prefix = env.NO_COLOR ? `[${service}] ` : `\x1b[${COLORS[service]}m[${service}]\x1b[0m `;
  let partial = "";
  return (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
  };
}

async function start(service: ServiceName, port: number, serviceEnv: Record<string, string>) {
  const running: RunningService = await startService(
    service,
    runtime,
    { ...serviceEnv, PORT: String(port) },
    { onOutput: printer(service), timeoutMs: 60_000 },
  );
  stops.unshift(() => running.stop());
  return running;
}

async function databaseUrl(service: "auth" | "flag" | "targeting") {
  const configured = env[`${service.toUpperCase()}_DATABASE_URL`];
  if (configured) return configured;
  const embedded = await startEmbeddedPostgres(service, join(REPO_ROOT, ".dev", "pglite"));
  stops.push(() => embedded.stop());
  return embedded.url;
}

/** Local SQS and DynamoDB unless a queue is configured (the services then use the environment). */
async function aws(): Promise<Record<string, string>> {
  if (env.AWS_SQS_URL) return {};
  const local = await startAwsLocal();
  stops.push(() => local.stop());
  return serviceEnvironment(local);
}

async function createKey(authUrl: string, masterKey: string, name: string): Promise<string> {
  const response = await fetch(`${authUrl}/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${masterKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status !== 201)
    throw new Error(`could not create the ${name} key: ${response.status}`);
  return (await response.json()).key;
}

async function shutdown(code: number) {
  for (const stop of stops.splice(0)) await stop().catch(() => {});
  process.exit(code);
}

async function main() {
  const generatedMaster = !env.MASTER_KEY;
  const masterKey = env.MASTER_KEY || randomSecret();
  const jwtSecret = env.JWT_SECRET || `${randomSecret()}${randomSecret()}`;
  const logLevel = env.LOG_LEVEL ?? "info";
  const redis: Record<string, string> = env.REDIS_URL ? { REDIS_URL: env.REDIS_URL } : {};

  console.log("Starting ToggleMaster: databases and queues first…");
  const [authDb, flagDb, targetingDb, awsEnv] = await Promise.all([
    databaseUrl("auth"),
    databaseUrl("flag"),
    databaseUrl("targeting"),
    aws(),
  ]);
  const common = { JWT_SECRET: jwtSecret, LOG_LEVEL: logLevel };

  const auth = await start("auth", 8001, {
    ...common,
    DATABASE_URL: authDb,
    MASTER_KEY: masterKey,
  });
  const dataServiceEnv = { ...common, ...redis, AUTH_SERVICE_URL: auth.url };
  const [flag, targeting] = await Promise.all([
    start("flag", 8002, { ...dataServiceEnv, DATABASE_URL: flagDb }),
    start("targeting", 8003, { ...dataServiceEnv, DATABASE_URL: targetingDb }),
  ]);
  const serviceKey = await createKey(auth.url, masterKey, "evaluation-service (bun dev)");
  const [evaluation, analytics] = await Promise.all([
    start("evaluation", 8004, {
      ...common,
      ...redis,
      ...awsEnv,
      AUTH_SERVICE_URL: auth.url,
      FLAG_SERVICE_URL: flag.url,
      TARGETING_SERVICE_URL: targeting.url,
      SERVICE_API_KEY: serviceKey,
    }),
    start("analytics", 8005, { ...common, ...awsEnv, AUTH_SERVICE_URL: auth.url }),
  ]);
  const devKey = await createKey(auth.url, masterKey, "developer (bun dev)");

  const localhost = (url: string) => url.replace("127.0.0.1", "localhost");
  console.log(`
ToggleMaster is running (${runtime}${env.REDIS_URL ? ", with Redis" : ", without Redis"}):
  auth        ${localhost(auth.url)}
  flag        ${localhost(flag.url)}
  targeting   ${localhost(targeting.url)}
  evaluation  ${localhost(evaluation.url)}
  analytics   ${localhost(analytics.url)}

${generatedMaster ? "Generated MASTER_KEY (set MASTER_KEY to choose your own)" : "MASTER_KEY from the environment"}:
  ${masterKey}
An API key for you:
  ${devKey}

Try it:
  curl -X POST localhost:8002/flags -H 'Authorization: Bearer ${devKey}' \\
       -d '{"name":"new-dashboard","is_enabled":true}'
  curl -X POST localhost:8003/rules -H 'Authorization: Bearer ${devKey}' \\
       -d '{"flag_name":"new-dashboard","rules":{"type":"PERCENTAGE","value":50}}'
  curl 'localhost:8004/evaluate?user_id=user-123&flag_name=new-dashboard'
  curl localhost:8005/analytics/flags/new-dashboard -H 'Authorization: Bearer ${devKey}'

Ctrl-C stops everything.`);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
main().catch(async (error) => {
  console.error(`bun dev failed: ${error instanceof Error ? error.message : error}`);
  await shutdown(1);
});
