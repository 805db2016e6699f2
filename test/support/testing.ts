import type { AnyElysia } from "elysia";
import pg from "pg";
import { createLogger, type Logger } from "./logger.ts";

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

/** A logger that keeps its lines in memory, for tests that read what was logged. */
export function memoryLogger(service = "test"): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    service,
    level: "debug",
    write: (chunk) => lines.push(...chunk.trimEnd().split("\n")),
  });
  return Object.assign(logger, { lines });
}

export const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

export async function json(response: Response): Promise<{ status: number; body: any }> {
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}
