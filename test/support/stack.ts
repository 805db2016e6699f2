/**
 * The five services as real processes, wired the way `bun dev` and Kubernetes wire them:
 * real PostgreSQL databases, real Redis, SQS and DynamoDB emulators, HTTP between them.
 * `TM_RUNTIME` picks how they run: from source (default), as x64 binaries, or on Deno.
 */
import {
  createTestDatabase,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@togglemaster/shared/testing";
import { type AwsLocal, serviceEnvironment, startAwsLocal } from "../../scripts/aws-local.ts";
import type { ServiceName } from "../../scripts/build.ts";
import {
  type RunningService,
  type Runtime,
  runtimeFromEnv,
  startService,
} from "../../scripts/runtimes.ts";

export const MASTER_KEY = "e2e-master-key-0123456789abcdef";
const JWT_SECRET = "e2e-jwt-secret-0123456789abcdef0123456789";
/** PostgreSQL here trusts local connections, so any password works; it must still never be logged. */
const DB_PASSWORD = "e2e-db-password-4f9a2c";

export interface StackOptions {
  runtime?: Runtime;
  /** Without Redis, as `bun dev` runs by default. */
  redis?: boolean;
  /** The Redis the services use when `redis` is on; the shared test Redis by default. */
  redisUrl?: string;
  /** Existing databases to use instead of throwaway ones on the shared PostgreSQL. */
  databaseUrls?: Record<"auth" | "flag" | "targeting", string>;
  /** Emulators run by the caller (who also stops them) instead of in-process ones. */
  aws?: AwsLocal;
  services?: ServiceName[];
  /** Extra environment per service, e.g. a smaller event buffer. */
  extraEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

export async function startStack({
  runtime = runtimeFromEnv(),
  redis = true,
  redisUrl = TEST_REDIS_URL,
  databaseUrls,
  aws: givenAws,
  extraEnv = {},
  services = ["auth", "flag", "targeting", "evaluation", "analytics"],
}: StackOptions = {}) {
  const databases: TestDatabase[] = [];
  const running: Partial<Record<ServiceName, RunningService>> = {};
  const finishedOutput: string[] = [];
  const issuedKeys: string[] = [];
  const database = async (name: "auth" | "flag" | "targeting") => {
    const given = databaseUrls?.[name];
    const url = new URL(given ?? (await throwawayDatabase(name)));
    url.password = DB_PASSWORD;
    return url.toString();
  };
  const throwawayDatabase = async (name: string) => {
    const created = await createTestDatabase(`e2e_${name}`);
    databases.push(created);
    return created.url;
  };
  const [authDb, flagDb, targetingDb, aws] = await Promise.all([
    database("auth"),
    database("flag"),
    database("targeting"),
    givenAws ?? startAwsLocal(),
  ]);
  const common = { JWT_SECRET, LOG_LEVEL: "info", ...(redis && { REDIS_URL: redisUrl }) };
  const awsEnv = serviceEnvironment(aws);
  const wanted = (service: ServiceName) => services.includes(service);

  const envs: Record<ServiceName, () => Record<string, string>> = {
    auth: () => ({ ...common, DATABASE_URL: authDb, MASTER_KEY }),
    flag: () => ({ ...common, DATABASE_URL: flagDb, AUTH_SERVICE_URL: url("auth") }),
    targeting: () => ({ ...common, DATABASE_URL: targetingDb, AUTH_SERVICE_URL: url("auth") }),
    evaluation: () => ({
      ...common,
      ...awsEnv,
      AUTH_SERVICE_URL: url("auth"),
      FLAG_SERVICE_URL: url("flag"),
      TARGETING_SERVICE_URL: url("targeting"),
      SERVICE_API_KEY: serviceKey,
    }),
    analytics: () => ({ ...common, ...awsEnv, AUTH_SERVICE_URL: url("auth") }),
  };
  const ports: Partial<Record<ServiceName, string>> = {};
  const url = (service: ServiceName) =>
    running[service]?.url ?? `http://127.0.0.1:${ports[service] ?? 1}`;

  const start = async (service: ServiceName) => {
    const env = { ...envs[service](), ...extraEnv[service] };
    if (ports[service]) env.PORT = ports[service];
    running[service] = await startService(service, runtime, env, { timeoutMs: 30_000 });
    ports[service] = new URL(running[service].url).port;
    return running[service];
  };

  let serviceKey = "";
  await start("auth");
  serviceKey = (await createKey("evaluation-service")).key;
  await Promise.all((["flag", "targeting"] as const).filter(wanted).map(start));
  await Promise.all((["evaluation", "analytics"] as const).filter(wanted).map(start));

  async function createKey(name: string): Promise<{ id: number; key: string }> {
    const response = await fetch(`${url("auth")}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}` },
      body: JSON.stringify({ name }),
    });
    if (response.status !== 201) throw new Error(`creating a key answered ${response.status}`);
    const created = await response.json();
    issuedKeys.push(created.key);
    return created;
  }

  return {
    runtime,
    aws,
    url,
    createKey,
    service: (name: ServiceName) => running[name],
    /** Stops one service (SIGTERM) so a test can watch the others cope. */
    async stopService(name: ServiceName) {
      await running[name]?.stop();
      finishedOutput.push(running[name]?.output() ?? "");
      delete running[name];
    },
    /** Everything every service has written so far. */
    logs: () =>
      [...finishedOutput, ...Object.values(running).map((service) => service?.output() ?? "")].join(
        "\n",
      ),
    /** Every secret the run used: none may appear in a log. */
    secrets: () => [MASTER_KEY, JWT_SECRET, DB_PASSWORD, ...issuedKeys],
    /** Kills one service (SIGKILL, no graceful shutdown) and waits until it is gone. */
    async killService(name: ServiceName) {
      const victim = running[name];
      if (victim === undefined) return;
      victim.kill();
      // `stop` waits for the exit; it reports the SIGKILL as an error, which is the point here.
      await victim.stop().catch(() => {});
      finishedOutput.push(victim.output());
      delete running[name];
    },
    /** Starts a stopped service again on its old port. */
    restartService: start,
    async stop() {
      await Promise.all(Object.values(running).map((service) => service?.stop().catch(() => {})));
      if (givenAws === undefined) await aws.stop();
      await Promise.all(databases.map((created) => created.drop()));
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
