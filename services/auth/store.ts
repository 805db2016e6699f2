import {
  type Actor,
  type AuditAction,
  appendAudit,
  type HistoryPage,
  type HistoryPaging,
  readHistory,
} from "@togglemaster/shared/audit";
import { type Pool, type Queryable, withTransaction } from "@togglemaster/shared/db";

export interface ApiKeySummary {
  id: number;
  name: string;
  is_active: boolean;
  created_at: string;
}

export const MASTER_KEY_ACTOR: Actor = { id: null, name: "master key" };

type Row = Omit<ApiKeySummary, "created_at"> & { created_at: Date };
const iso = (row: Row): ApiKeySummary => ({ ...row, created_at: row.created_at.toISOString() });

const SUMMARY_COLUMNS = "id, name, is_active, created_at";

/**
 * Appends a key's entry to the audit trail on `db`, the transaction of the change itself:
 * its summaries before and after, never its hash.
 */
const appendKeyAudit = (
  db: Queryable,
  by: Actor,
  action: AuditAction,
  before: ApiKeySummary | null,
  after: ApiKeySummary | null,
) =>
  appendAudit(db, {
    by,
    action,
    kind: "api_key",
    subject: String((after ?? before)?.id),
    before,
    after,
  });

/**
 * SQL for the `api_keys` table and its audit trail. Hashes go in; they never come back out,
 * nor into the trail. Every change and its audit entry commit together or not at all.
 */
export function createKeyStore(pool: Pool) {
  return {
    create: (by: Actor, name: string, keyHash: string): Promise<ApiKeySummary> =>
      withTransaction(pool, async (client) => {
        const { rows } = await client.query<Row>(
          `INSERT INTO api_keys (name, key_hash) VALUES ($1, $2) RETURNING ${SUMMARY_COLUMNS}`,
          [name, keyHash],
        );
        const created = iso(rows[0] as Row);
        await appendKeyAudit(client, by, "created", null, created);
        return created;
      }),

    async list(): Promise<ApiKeySummary[]> {
      const { rows } = await pool.query<Row>(`SELECT ${SUMMARY_COLUMNS} FROM api_keys ORDER BY id`);
      return rows.map(iso);
    },

    /** The active key with this hash, if any. */
    async findActive(keyHash: string): Promise<{ id: number; name: string } | undefined> {
      const { rows } = await pool.query(
        "SELECT id, name FROM api_keys WHERE key_hash = $1 AND is_active",
        [keyHash],
      );
      return rows[0];
    },

    /**
     * Revokes a key; false when there is no such key. Revoking a revoked key changes nothing
     * and records nothing.
     */
    revoke: (by: Actor, id: number): Promise<boolean> =>
      withTransaction(pool, async (client) => {
        const { rows } = await client.query<Row>(
          `SELECT ${SUMMARY_COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`,
          [id],
        );
        const current = rows[0];
        if (current === undefined) return false;
        if (!current.is_active) return true;
        await client.query("UPDATE api_keys SET is_active = false WHERE id = $1", [id]);
        const before = iso(current);
        await appendKeyAudit(client, by, "updated", before, { ...before, is_active: false });
        return true;
      }),

    /** The keys' audit trail newest first, of one key when `keyId` is given. */
    history: (paging: HistoryPaging, keyId?: number): Promise<HistoryPage> =>
      readHistory(pool, "api_key", keyId === undefined ? null : String(keyId), paging),
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;
