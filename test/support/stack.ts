/**
 * The five services as real processes, wired as `bun dev` and Kubernetes wire them: real
 * PostgreSQL databases, real Redis, SQS and DynamoDB emulators, HTTP between them.
 * `TM_RUNTIME` picks how they run: from source (default), as x64 binaries, or on Deno.
 */
import type { ServiceName } from "@togglemaster/shared/topology";
import {
  type AwsLocal,
  emulatorEnvironment,
  emulatorWiring,
  startAwsLocal,
} from "../../scripts/aws-local.ts";
import { provideDatabases, startPlatform } from "../../scripts/platform.ts";
import { type Runtime, runtimeFromEnv } from "../../scripts/runtimes.ts";
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from "./testing.ts";

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
  services,
}: StackOptions = {}) {
  const databases: TestDatabase[] = [];
  const database = async (name: "auth" | "flag" | "targeting") => {
    let given = databaseUrls?.[name];
    if (given === undefined) {
      const created = await createTestDatabase(`e2e_${name}`);
      databases.push(created);
      given = created.url;
    }
    const url = new URL(given);
    url.password = DB_PASSWORD;
    return url.toString();
  };
  const [aws, urls] = await Promise.all([givenAws ?? startAwsLocal(), provideDatabases(database)]);
  const platform = await startPlatform({
    runtime,
    services,
    backends: {
      databases: urls,
      redisUrl: redis ? redisUrl : undefined,
      aws: { ...emulatorWiring(aws), env: emulatorEnvironment(aws) },
    },
    secrets: { masterKey: MASTER_KEY, jwtSecret: JWT_SECRET },
    commonEnv: { LOG_LEVEL: "info" },
    // Counts ship every second instead of ten, so tests see counters without waiting.
    extraEnv: {
      ...extraEnv,
      evaluation: { EVENT_COUNTS_INTERVAL_MS: "1000", ...extraEnv.evaluation },
    },
    startOptions: () => ({ timeoutMs: 30_000 }),
  });

  return {
    ...platform,
    aws,
    secrets: () => [...platform.secrets(), DB_PASSWORD],
    async stop() {
      await platform.stop();
      if (givenAws === undefined) await aws.stop();
      await Promise.all(databases.map((created) => created.drop()));
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
