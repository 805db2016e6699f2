import type { Pool } from "@togglemaster/shared/db";
import { recordTable, type StoredRecord } from "@togglemaster/shared/records";
import type { Rule } from "@togglemaster/shared/rules";

export interface TargetingFields extends Record<string, unknown> {
  flag_name: string;
  is_enabled: boolean;
  rules: Rule;
}

export type TargetingRule = StoredRecord<TargetingFields>;

export const createRuleStore = (pool: Pool) =>
  recordTable<TargetingFields>(pool, {
    table: "targeting_rules",
    key: "flag_name",
    columns: ["is_enabled", "rules"],
    jsonColumns: ["rules"],
  });

export type RuleStore = ReturnType<typeof createRuleStore>;
