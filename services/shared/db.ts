import pg from "pg";
import { HttpError } from "./errors.ts";
import type { ErrorMapper } from "./http.ts";

export type Pool = pg.Pool;

/** What runs a query: the pool, or the client of one transaction. */
export type Queryable = Pick<pg.Pool, "query">;

/** A pool whose every call is bounded in time, so an outage is an error, not a hang. */
export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
    query_timeout: 5_000,
    statement_timeout: 5_000,
  });
  // An idle client that loses its server emits here; without a listener the process dies.
  pool.on("error", () => {});
  return pool;
}

/** SQLSTATE classes that mean "the database is not there", not "the query is wrong". */
const UNAVAILABLE_CODES = /^(08|53|57P0[1-3])/;
const UNAVAILABLE_MESSAGES =
  /connect|terminat|timeout|ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|socket|Connection ended/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && UNAVAILABLE_CODES.test(code)) return true;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return false;
  return UNAVAILABLE_MESSAGES.test(error.message) || UNAVAILABLE_MESSAGES.test(String(code ?? ""));
}

/**
 * Text PostgreSQL cannot store although JSON carries it: NUL characters (in text and jsonb)
 * and lone surrogates (in jsonb). The request is at fault, not the database.
 */
function isUnstorableText(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === "22021" ||
    code === "22P05" ||
    (code === "22P02" && typeof message === "string" && /json/i.test(message))
  );
}

/** A database outage is a 503 for the caller, never a 500; unstorable text is the caller's 400. */
export const databaseErrors: ErrorMapper = (error) => {
  if (isDatabaseUnavailable(error))
    return new HttpError(503, "Banco de dados indisponível", "DATABASE_UNAVAILABLE");
  if (isUnstorableText(error))
    return new HttpError(
      400,
      "O texto contém caracteres que não podem ser guardados (\\u0000 ou surrogates isolados)",
      "UNSTORABLE_TEXT",
    );
  return undefined;
};

/** `23505` is PostgreSQL's unique_violation. */
export const isUniqueViolation = (error: unknown) =>
  (error as { code?: unknown } | null)?.code === "23505";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Applies pending migrations in order, each in its own transaction. An advisory lock makes
 * replicas that start together take turns; the second finds nothing left to do.
 */
export async function migrate(pool: pg.Pool, service: string, migrations: Migration[]) {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [`togglemaster:${service}`]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>(
      "SELECT version FROM schema_migrations",
    );
    const applied = new Set(rows.map((row) => row.version));
    const pending = [...migrations]
      .sort((a, b) => a.version - b.version)
      .filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
          migration.version,
          migration.name,
        ]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    }
    return pending.map((migration) => migration.version);
  } finally {
    await client
      .query("SELECT pg_advisory_unlock(hashtext($1))", [`togglemaster:${service}`])
      .catch(() => {});
    client.release();
  }
}

/** SQL that keeps `updated_at` current on every update of `table`, whoever writes it. */
export const updatedAtTrigger = (table: string) => `
CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS ${table}_touch_updated_at ON ${table};
CREATE TRIGGER ${table}_touch_updated_at BEFORE UPDATE ON ${table}
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
`;

/** A pool on `url` with the service's migrations applied. */
export async function openDatabase(url: string, service: string, migrations: Migration[]) {
  const pool = createPool(url);
  try {
    await migrate(pool, service, migrations);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return pool;
}

/**
 * Runs `work` in one transaction on one client: committed when it resolves, rolled back
 * when it throws. A client whose rollback fails is discarded, not returned to the pool.
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Readiness probe for a pool. */
export const pingDatabase = (pool: pg.Pool) => () => pool.query("SELECT 1");
