import { auditedTable, readsOf } from "@togglemaster/shared/audit";
import { type Pool, type Queryable, withTransaction } from "@togglemaster/shared/db";
import type { JsonObject } from "@togglemaster/shared/flagd/document";
import type { StoredRecord } from "@togglemaster/shared/records";
import type { Rule } from "@togglemaster/shared/rules";

export interface TargetingFields extends Record<string, unknown> {
  flag_name: string;
  is_enabled: boolean;
  rules: Rule;
}

export type TargetingRule = StoredRecord<TargetingFields>;

/** A flagd shared evaluator (`$evaluators`): targeting that flags `$ref` by name. */
export interface SegmentFields extends Record<string, unknown> {
  name: string;
  definition: JsonObject;
  description: string;
}

export type Segment = StoredRecord<SegmentFields>;

const ruleTable = auditedTable<TargetingFields, TargetingRule>({
  table: "targeting_rules",
  key: "flag_name",
  columns: ["is_enabled", "rules"],
  jsonColumns: ["rules"],
  kind: "rule",
  show: (rule) => rule,
});

const segmentTable = auditedTable<SegmentFields, Segment>({
  table: "segments",
  key: "name",
  columns: ["definition", "description"],
  jsonColumns: ["definition"],
  kind: "segment",
  show: (segment) => segment,
});

/** targeting's tables on one connection. */
const tablesOn = (db: Queryable) => ({
  rules: ruleTable(db),
  segments: segmentTable(db),
});

export type TargetingTables = ReturnType<typeof tablesOn>;

/** Reads on the pool; writes in a transaction, each with its audit entry. */
export function createTargetingStore(pool: Pool) {
  return {
    rules: readsOf(ruleTable(pool)),
    segments: readsOf(segmentTable(pool)),
    transaction: <T>(work: (tables: TargetingTables) => Promise<T>) =>
      withTransaction(pool, (client) => work(tablesOn(client))),
  };
}

export type TargetingStore = ReturnType<typeof createTargetingStore>;
