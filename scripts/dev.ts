/**
 * `bun dev`: the whole platform on one machine with no setup.
 *
 * Whatever is not configured is provided locally: PostgreSQL by PGlite (one per service
 * database, kept in .dev/), SQS and DynamoDB by fauxqs and dynalite. Redis is used only
 * when REDIS_URL is set; without it services keep changes visible within a second by
 * short in-process freshness instead of pub/sub.
 */
import { join } from "node:path";
import {
  type DatabaseService,
  GATEWAY_PORT,
  REGION,
  SERVICE_NAMES,
  type ServiceName,
  TABLES,
  TOPOLOGY,
} from "@togglemaster/shared/topology";
import { emulatorEnvironment, emulatorWiring, startAwsLocal } from "./aws-local.ts";
import { REPO_ROOT } from "./build.ts";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";
import { startGateway } from "./gateway.ts";
import { type Backends, provideDatabases, startPlatform } from "./platform.ts";
import { runtimeFromEnv } from "./runtimes.ts";

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

async function databaseUrl(service: DatabaseService) {
  const configured = env[`${service.toUpperCase()}_DATABASE_URL`];
  if (configured) return configured;
  const embedded = await startEmbeddedPostgres(service, join(REPO_ROOT, ".dev", "pglite"));
  stops.push(() => embedded.stop());
  return embedded.url;
}

/** Local SQS and DynamoDB unless a queue is configured (then AWS as the environment says). */
async function aws(): Promise<Backends["aws"]> {
  if (env.AWS_SQS_URL) {
    const queueUrl = env.AWS_SQS_URL;
    return {
      queue: () => queueUrl,
      table: (table) =>
        (table === "events" ? env.AWS_DYNAMODB_TABLE : env.AWS_DYNAMODB_COUNTERS_TABLE) ??
        TABLES[table].name,
      region: () => env.AWS_REGION ?? REGION,
    };
  }
  const local = await startAwsLocal();
  stops.push(() => local.stop());
  return { ...emulatorWiring(local), env: emulatorEnvironment(local) };
}

async function shutdown(code: number) {
  for (const stop of stops.splice(0)) await stop().catch(() => {});
  process.exit(code);
}

async function main() {
  const generatedMaster = !env.MASTER_KEY;
  const masterKey = env.MASTER_KEY || randomSecret();
  const jwtSecret = env.JWT_SECRET || `${randomSecret()}${randomSecret()}`;

  console.log("Starting ToggleMaster: databases and queues first…");
  const [awsBackend, databases] = await Promise.all([aws(), provideDatabases(databaseUrl)]);
  const platform = await startPlatform({
    runtime,
    backends: {
      databases,
      redisUrl: env.REDIS_URL || undefined,
      aws: awsBackend,
    },
    secrets: { masterKey, jwtSecret },
    ports: Object.fromEntries(SERVICE_NAMES.map((service) => [service, TOPOLOGY[service].port])),
    commonEnv: { LOG_LEVEL: env.LOG_LEVEL ?? "info" },
    // On a laptop, counters that follow within a second beat the write they save.
    extraEnv: { evaluation: { EVENT_COUNTS_INTERVAL_MS: env.EVENT_COUNTS_INTERVAL_MS ?? "1000" } },
    startOptions: (service) => ({ onOutput: printer(service), timeoutMs: 60_000 }),
  });
  stops.unshift(() => platform.stop());
  const gateway = startGateway({
    port: GATEWAY_PORT,
    upstreams: Object.fromEntries(
      SERVICE_NAMES.map((service) => [service, platform.url(service)]),
    ) as Record<ServiceName, string>,
  });
  stops.unshift(() => gateway.stop());
  const { key: devKey } = await platform.createKey("developer (bun dev)");

  const localhost = (url: string) => url.replace("127.0.0.1", "localhost");
  const local = (service: ServiceName) => localhost(platform.url(service));
  console.log(`
ToggleMaster is running (${runtime}${env.REDIS_URL ? ", with Redis" : ", without Redis"}):
  console     ${localhost(gateway.url)}/   (every API on one origin, as the ingress routes them)
${SERVICE_NAMES.map((service) => `  ${service.padEnd(11)} ${local(service)}`).join("\n")}

${generatedMaster ? "Generated MASTER_KEY (set MASTER_KEY to choose your own)" : "MASTER_KEY from the environment"}:
  ${masterKey}
An API key for you:
  ${devKey}

Try it:
  curl -X POST ${local("flag")}/flags -H 'Authorization: Bearer ${devKey}' \\
       -d '{"name":"new-dashboard","is_enabled":true}'
  curl -X POST ${local("targeting")}/rules -H 'Authorization: Bearer ${devKey}' \\
       -d '{"flag_name":"new-dashboard","rules":{"type":"PERCENTAGE","value":50}}'
  curl '${local("evaluation")}/evaluate?user_id=user-123&flag_name=new-dashboard'
  curl ${local("analytics")}/analytics/flags/new-dashboard -H 'Authorization: Bearer ${devKey}'

Ctrl-C stops everything.`);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
main().catch(async (error) => {
  console.error(`bun dev failed: ${error instanceof Error ? error.message : error}`);
  await shutdown(1);
});
