import { AUDIT_LOG_SQL } from "@togglemaster/shared/audit";
import { type Migration, updatedAtTrigger } from "@togglemaster/shared/db";
import targetingRules from "./001_targeting_rules.sql" with { type: "text" };
import segments from "./002_segments.sql" with { type: "text" };

export const migrations: Migration[] = [
  {
    version: 1,
    name: "targeting_rules",
    sql: `${targetingRules}${updatedAtTrigger("targeting_rules")}`,
  },
  {
    version: 2,
    name: "segments_and_audit_log",
    sql: `${segments}${updatedAtTrigger("segments")}${AUDIT_LOG_SQL}`,
  },
];
