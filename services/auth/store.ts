import type { Pool } from "@togglemaster/shared/db";

export interface ApiKeySummary {
  id: number;
  name: string;
  is_active: boolean;
  created_at: string;
}

type Row = Omit<ApiKeySummary, "created_at"> & { created_at: Date };

const iso = (row: Row): ApiKeySummary => ({ ...row, created_at: row.created_at.toISOString() });

/** SQL for the `api_keys` table. Hashes go in; they never come back out. */
export function createKeyStore(pool: Pool) {
  return {
    async create(name: string, keyHash: string): Promise<ApiKeySummary> {
      const { rows } = await pool.query<Row>(
        "INSERT INTO api_keys (name, key_hash) VALUES ($1, $2) RETURNING id, name, is_active, created_at",
        [name, keyHash],
      );
      return iso(rows[0] as Row);
    },

    async list(): Promise<ApiKeySummary[]> {
      const { rows } = await pool.query<Row>(
        "SELECT id, name, is_active, created_at FROM api_keys ORDER BY id",
      );
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

    /** Revokes a key; false when there is no such key. */
    async revoke(id: number): Promise<boolean> {
      const { rowCount } = await pool.query("UPDATE api_keys SET is_active = false WHERE id = $1", [
        id,
      ]);
      return rowCount === 1;
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;
