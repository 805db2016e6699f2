import { AUDIT_LOG_SQL } from "@togglemaster/shared/audit";
import { type Migration, updatedAtTrigger } from "@togglemaster/shared/db";
import flags from "./001_flags.sql" with { type: "text" };
import flagsV2 from "./002_flags_v2.sql" with { type: "text" };

export const migrations: Migration[] = [
  { version: 1, name: "flags", sql: `${flags}${updatedAtTrigger("flags")}` },
  { version: 2, name: "flags_v2_and_audit_log", sql: `${flagsV2}${AUDIT_LOG_SQL}` },
];
