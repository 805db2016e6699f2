/**
 * The audit trail of flag and targeting. Every write to a flag, rule or segment leaves one
 * entry, written in the same transaction as the change: there is never a change without its
 * entry, nor an entry of a change that was rolled back. An entry names the API key that made
 * the change (its id and name; a JWT names the key it was issued for), never a credential,
 * and holds the record before and after as the API shows it.
 *
 * The trail is append-only: no route writes or deletes entries, and triggers refuse UPDATE,
 * DELETE and TRUNCATE on the table, so an entry outlives its subject.
 */
import { Elysia, t } from "elysia";
import type { KeyIdentity, Principal } from "./auth-guard.ts";
import type { Queryable } from "./db.ts";
import { type RecordTableSpec, recordTable, type StoredRecord } from "./records.ts";

/** The table and its guards, for each service's migrations. */
export const AUDIT_LOG_SQL = `
CREATE TABLE IF NOT EXISTS audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  key_id integer NOT NULL,
  key_name text NOT NULL,
  action text NOT NULL,
  subject_kind text NOT NULL,
  subject text NOT NULL,
  before jsonb,
  after jsonb
);
CREATE INDEX IF NOT EXISTS audit_log_by_subject ON audit_log (subject_kind, subject, id DESC);

CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
`;

export type SubjectKind = "flag" | "rule" | "segment" | "flag_set" | "api_key";

/**
 * Who made a change: an API key (a JWT names the key it was issued for), or, for API keys
 * themselves, the master key, which is no API key and has no id.
 */
export interface Actor {
  id: number | null;
  name: string;
}

/**
 * What caused a change: a route of the record (`created`, `updated`, `deleted`), a flagd
 * import, or the undoing of an import's targeting when its flags could not be committed.
 */
export type AuditAction = "created" | "updated" | "deleted" | "imported" | "restored";

export interface AuditEntry {
  by: Actor;
  action: AuditAction;
  kind: SubjectKind;
  subject: string;
  /** The record before the change as the API shows it; null when it did not exist. */
  before: unknown;
  /** The record after the change; null when it no longer exists. */
  after: unknown;
}

/** Appends entries in one statement (none: no statement). */
export async function appendAudit(db: Queryable, ...entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map(({ by, action, kind, subject, before, after }) => ({
    key_id: by.id,
    key_name: by.name,
    action,
    subject_kind: kind,
    subject,
    before,
    after,
  }));
  await db.query(
    `INSERT INTO audit_log (key_id, key_name, action, subject_kind, subject, before, after)
     SELECT key_id, key_name, action, subject_kind, subject, before, after
     FROM jsonb_populate_recordset(NULL::audit_log, $1::jsonb)`,
    [JSON.stringify(rows)],
  );
}

export interface HistoryEntry {
  id: number;
  at: string;
  key: Actor;
  action: AuditAction;
  before: unknown;
  after: unknown;
}

/** One page of a subject's history, newest first; `next` is the `before` of the next page. */
export interface HistoryPage {
  entries: HistoryEntry[];
  next: number | null;
}

export interface HistoryPaging {
  /** Entries per page, 1 to 100. */
  limit?: number;
  /** Only entries older than this id: the `next` of the previous page. */
  before?: number;
}

export const DEFAULT_HISTORY_PAGE = 20;
export const MAX_HISTORY_PAGE = 100;

interface HistoryRow {
  entry_id: string;
  at: Date;
  key_id: number | null;
  key_name: string;
  action: AuditAction;
  before: unknown;
  after: unknown;
}

/** One page of the history of a subject, or of every subject of a kind when `subject` is null. */
export async function readHistory(
  db: Queryable,
  kind: SubjectKind,
  subject: string | null,
  { limit = DEFAULT_HISTORY_PAGE, before }: HistoryPaging = {},
): Promise<HistoryPage> {
  // One row past the page says whether another page follows.
  const { rows } = await db.query<HistoryRow>(
    `SELECT id::text AS entry_id, at, key_id, key_name, action, before, after FROM audit_log
     WHERE subject_kind = $1 AND ($2::text IS NULL OR subject = $2)
       AND ($3::bigint IS NULL OR id < $3)
     ORDER BY id DESC LIMIT $4`,
    [kind, subject, before ?? null, limit + 1],
  );
  const entries = rows.slice(0, limit).map((row) => ({
    id: Number(row.entry_id),
    at: row.at.toISOString(),
    key: { id: row.key_id, name: row.key_name },
    action: row.action,
    before: row.before,
    after: row.after,
  }));
  return { entries, next: rows.length > limit ? (entries.at(-1)?.id ?? null) : null };
}

/** The query string of a history route. */
export const historyQuery = t.Object({
  limit: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: MAX_HISTORY_PAGE,
      description: `Entries per page (default ${DEFAULT_HISTORY_PAGE})`,
      messages: { invalid: `'limit' deve ser um inteiro entre 1 e ${MAX_HISTORY_PAGE}` },
    }),
  ),
  before: t.Optional(
    t.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: "Only entries older than this id: the `next` of the previous page",
      messages: { invalid: "'before' deve ser o id (inteiro positivo) de uma entrada" },
    }),
  ),
});

export const HISTORY_DESCRIPTION =
  "Newest first: `{entries: [{id, at, key: {id, name}, action, before, after}], next}`; " +
  "`next` is the `before` of the following page, null on the last one. The history of a " +
  "deleted record stays readable.";

/**
 * Types `principal` for routes mounted behind the auth guard, which fills it in for every
 * request before a handler runs (as `requestContext` does for the edge's fields).
 */
export const principalContext = new Elysia({ name: "principal-context" }).decorate(
  "principal",
  undefined as unknown as Principal,
);

/** A record's next state in `writeAll`, beside what `lockAll` found (undefined: none). */
export interface RecordChange<Fields> {
  name: string;
  current: StoredRecord<Fields> | undefined;
  /** The fields to hold; null: no record. */
  next: Fields | null;
}

export interface WrittenRecord {
  name: string;
  action: "created" | "updated" | "deleted";
}

export interface AuditedTableSpec<Fields, Shown> extends RecordTableSpec<Fields> {
  kind: SubjectKind;
  /** The record as the API shows it, and as its audit entries hold it. */
  show: (record: StoredRecord<Fields>) => Shown;
}

/**
 * A record table whose every write appends its audit entry on the same connection. Given
 * the client of a transaction, the write and its entry commit or roll back together.
 */
export function auditedTable<Fields extends Record<string, unknown>, Shown>(
  spec: AuditedTableSpec<Fields, Shown>,
) {
  const { kind, show } = spec;
  type Stored = StoredRecord<Fields>;
  return (db: Queryable) => {
    const table = recordTable<Fields>(db, spec);
    const shown = (record: StoredRecord<Fields> | undefined) => record && show(record);
    const entry = (
      by: KeyIdentity,
      action: AuditAction,
      subject: string,
      before: Shown | null,
      after: Shown | null,
    ): AuditEntry => ({ by, action, kind, subject, before, after });
    const append = (...fields: Parameters<typeof entry>) => appendAudit(db, entry(...fields));

    return {
      list: async () => (await table.list()).map(show),
      get: async (name: string) => shown(await table.get(name)),
      lockAll: (names: readonly string[]) => table.lockAll(names),

      /**
       * Brings records locked by `lockAll` to their next state in four statements however
       * many there are (inserts, updates, deletes, then every audit entry): an import of
       * thousands of flags costs a few round trips, not thousands. A change from nothing to
       * nothing writes nothing.
       */
      async writeAll(
        by: KeyIdentity,
        changes: readonly RecordChange<Fields>[],
        action: AuditAction,
      ): Promise<WrittenRecord[]> {
        const created = changes.filter(({ current, next }) => current === undefined && next);
        const updated = changes.filter(({ current, next }) => current !== undefined && next);
        const deleted = changes.filter(({ current, next }) => current !== undefined && !next);
        const fields = (list: typeof changes) => list.map(({ next }) => next as Fields);
        const inserted = await table.insertAll(fields(created));
        const replaced = await table.replaceAll(fields(updated));
        await table.removeAll(deleted.map(({ name }) => name));
        await appendAudit(
          db,
          ...created.map(({ name }, index) =>
            entry(by, action, name, null, show(inserted[index] as Stored)),
          ),
          ...updated.map(({ name, current }, index) =>
            entry(by, action, name, show(current as Stored), show(replaced[index] as Stored)),
          ),
          ...deleted.map(({ name, current }) =>
            entry(by, action, name, show(current as Stored), null),
          ),
        );
        return [
          ...created.map(({ name }) => ({ name, action: "created" as const })),
          ...updated.map(({ name }) => ({ name, action: "updated" as const })),
          ...deleted.map(({ name }) => ({ name, action: "deleted" as const })),
        ];
      },

      /** Throws PostgreSQL's unique_violation when the name is taken. */
      async insert(by: KeyIdentity, values: Fields, action: AuditAction = "created") {
        const after = show(await table.insert(values));
        await append(by, action, String(values[spec.key]), null, after);
        return after;
      },

      /**
       * Applies `patch` (or what it computes from the locked record); undefined when no
       * record has that name.
       */
      async update(
        by: KeyIdentity,
        name: string,
        patch: Partial<Fields> | ((current: StoredRecord<Fields>) => Partial<Fields>),
        action: AuditAction = "updated",
      ): Promise<Shown | undefined> {
        const current = await table.lock(name);
        if (current === undefined) return undefined;
        const changes = typeof patch === "function" ? patch(current) : patch;
        const after = show((await table.update(name, changes)) as StoredRecord<Fields>);
        await append(by, action, name, show(current), after);
        return after;
      },

      /** The record as it was before deletion; undefined when no record has that name. */
      async remove(
        by: KeyIdentity,
        name: string,
        action: AuditAction = "deleted",
      ): Promise<Shown | undefined> {
        const before = shown(await table.remove(name));
        if (before !== undefined) await append(by, action, name, before, null);
        return before;
      },

      history: (name: string, paging: HistoryPaging) => readHistory(db, kind, name, paging),
    };
  };
}

export type AuditedTable<Fields extends Record<string, unknown>, Shown> = ReturnType<
  ReturnType<typeof auditedTable<Fields, Shown>>
>;

/** The reads of an audited table: what may run on the pool, outside a transaction. */
export const readsOf = <Fields extends Record<string, unknown>, Shown>({
  list,
  get,
  history,
}: AuditedTable<Fields, Shown>) => ({ list, get, history });
