import { AUDIT_LOG_SQL } from "@togglemaster/shared/audit";
import type { Migration } from "@togglemaster/shared/db";
import apiKeys from "./001_api_keys.sql" with { type: "text" };
import auditLog from "./002_audit_log.sql" with { type: "text" };

export const migrations: Migration[] = [
  { version: 1, name: "api_keys", sql: apiKeys },
  { version: 2, name: "audit_log", sql: `${AUDIT_LOG_SQL}${auditLog}` },
];
