import { createLogger, type Logger, type LoggerOptions } from "@togglemaster/shared/logger";
import type { AnyElysia } from "elysia";
import pg from "pg";

/** Test support: throwaway databases on the real PostgreSQL, real listening servers. */
export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `tm_test_${prefix}_${crypto.randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Listens on a free port and returns the base URL. */
export function listen(app: AnyElysia): string {
  app.listen({ port: 0, hostname: "127.0.0.1" });
  return `http://127.0.0.1:${app.server?.port}`;
}

/**
 * A logger that keeps its lines in memory, for tests that read what was logged: as written
 * (`lines`) or parsed (`records()`).
 */
export function memoryLogger(
  service = "test",
  options: Omit<LoggerOptions, "service" | "write"> = { level: "debug" },
): Logger & { lines: string[]; records(): Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createLogger({
    service,
    ...options,
    write: (chunk) => lines.push(...chunk.trimEnd().split("\n")),
  });
  return Object.assign(logger, { lines, records: () => lines.map((line) => JSON.parse(line)) });
}

export const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

export async function json(response: Response): Promise<{ status: number; body: any }> {
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

/** Whether the shared PostgreSQL answers. */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({
    connectionString: TEST_POSTGRES_URL,
    connectionTimeoutMillis: 2_000,
  });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** Whether the shared Redis answers a PING. */
export async function redisReachable(): Promise<boolean> {
  const { hostname, port } = new URL(TEST_REDIS_URL);
  try {
    const socket = await Bun.connect({
      hostname,
      port: Number(port || 6379),
      socket: { data() {} },
    });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * True when the integration tests of a file can run: PostgreSQL and Redis answer. When they
 * do not, says which tests are skipped and why, so a run without them is visibly partial.
 */
export async function backendsFor(what: string): Promise<boolean> {
  const [postgres, redis] = await Promise.all([postgresReachable(), redisReachable()]);
  if (postgres && redis) return true;
  const missing = [
    !postgres && `PostgreSQL at ${TEST_POSTGRES_URL}`,
    !redis && `Redis at ${TEST_REDIS_URL}`,
  ]
    .filter(Boolean)
    .join(" and ");
  console.warn(`skipping ${what}: no ${missing}`);
  return false;
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}
