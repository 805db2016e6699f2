import type { Pool } from "@togglemaster/shared/db";
import { recordTable, type StoredRecord } from "@togglemaster/shared/records";

export interface FlagFields extends Record<string, unknown> {
  name: string;
  description: string;
  is_enabled: boolean;
}

export type Flag = StoredRecord<FlagFields>;

export const createFlagStore = (pool: Pool) =>
  recordTable<FlagFields>(pool, {
    table: "flags",
    key: "name",
    columns: ["description", "is_enabled"],
  });

export type FlagStore = ReturnType<typeof createFlagStore>;
