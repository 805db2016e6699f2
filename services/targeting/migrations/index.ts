import { type Migration, updatedAtTrigger } from "@togglemaster/shared/db";
import targetingRules from "./001_targeting_rules.sql" with { type: "text" };

export const migrations: Migration[] = [
  {
    version: 1,
    name: "targeting_rules",
    sql: `${targetingRules}${updatedAtTrigger("targeting_rules")}`,
  },
];
