import { type AuditAction, appendAudit, auditedTable, readsOf } from "@togglemaster/shared/audit";
import type { KeyIdentity } from "@togglemaster/shared/auth-guard";
import { type Pool, type Queryable, withTransaction } from "@togglemaster/shared/db";
import type { Metadata, VariantValue } from "@togglemaster/shared/flagd/document";
import type { StoredRecord } from "@togglemaster/shared/records";

export type Variants = Record<string, VariantValue>;

export interface FlagFields extends Record<string, unknown> {
  name: string;
  description: string;
  /** flagd's `state`: ENABLED or DISABLED. */
  is_enabled: boolean;
  /** null for a v1 flag, a boolean flag whose variants are `on` (true) and `off` (false). */
  variants: Variants | null;
  /** null when the flag names none; always null while `variants` is. */
  default_variant: string | null;
  /** Primitive values only, as in flagd. */
  metadata: Metadata;
}

export type FlagRecord = StoredRecord<FlagFields>;

/** The flag object of v1: `{id, name, description, is_enabled, created_at, updated_at}`. */
export interface V1Flag {
  id: number;
  name: string;
  description: string;
  is_enabled: boolean;
  created_at: string;
  updated_at: string;
}

/**
 * A flag as the API shows it: exactly v1's fields for a flag without v2 data, so v1 clients
 * see what they always saw, and the v2 fields too when it has variants or metadata.
 */
export type Flag = V1Flag & Partial<Pick<FlagFields, "variants" | "default_variant" | "metadata">>;

export const hasV2Data = (flag: Pick<FlagFields, "variants" | "metadata">) =>
  flag.variants !== null || Object.keys(flag.metadata).length > 0;

export function flagObject(record: FlagRecord): Flag {
  const { variants, default_variant, metadata, ...v1 } = record;
  return (hasV2Data(record) ? record : v1) as Flag;
}

const flagTable = auditedTable<FlagFields, Flag>({
  table: "flags",
  key: "name",
  columns: ["description", "is_enabled", "variants", "default_variant", "metadata"],
  jsonColumns: ["variants", "metadata"],
  kind: "flag",
  show: flagObject,
});

const IMPORT_LOCK = "togglemaster:flagd-import";

/** The flag set as a whole: its metadata, and who may import into it. */
const flagSetOn = (db: Queryable) => ({
  async metadata(): Promise<Metadata> {
    const { rows } = await db.query<{ metadata: Metadata }>("SELECT metadata FROM flag_set");
    return rows[0]?.metadata ?? {};
  },

  /** Only imports write it, and they take turns (`claimImport`). */
  async replaceMetadata(
    by: KeyIdentity,
    before: Metadata,
    metadata: Metadata,
    action: AuditAction,
  ): Promise<void> {
    await db.query(
      `INSERT INTO flag_set (id, metadata) VALUES (true, $1)
       ON CONFLICT (id) DO UPDATE SET metadata = EXCLUDED.metadata`,
      [JSON.stringify(metadata)],
    );
    await appendAudit(db, {
      by,
      action,
      kind: "flag_set",
      subject: "metadata",
      before: { metadata: before },
      after: { metadata },
    });
  },

  /**
   * Claims the right to import until the transaction ends; false while another import
   * holds it. Imports never wait for each other: the second is told to try again.
   */
  async claimImport(): Promise<boolean> {
    const { rows } = await db.query<{ claimed: boolean }>(
      "SELECT pg_try_advisory_xact_lock(hashtext($1)) AS claimed",
      [IMPORT_LOCK],
    );
    return rows[0]?.claimed === true;
  },
});

const tablesOn = (db: Queryable) => ({ flags: flagTable(db), flagSet: flagSetOn(db) });

export type FlagTables = ReturnType<typeof tablesOn>;

/** Reads on the pool; writes in a transaction, each with its audit entry. */
export function createFlagStore(pool: Pool) {
  return {
    flags: readsOf(flagTable(pool)),
    flagSetMetadata: flagSetOn(pool).metadata,
    transaction: <T>(work: (tables: FlagTables) => Promise<T>) =>
      withTransaction(pool, (client) => work(tablesOn(client))),
  };
}

export type FlagStore = ReturnType<typeof createFlagStore>;
