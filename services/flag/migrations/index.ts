import { type Migration, updatedAtTrigger } from "@togglemaster/shared/db";
import flags from "./001_flags.sql" with { type: "text" };

export const migrations: Migration[] = [
  { version: 1, name: "flags", sql: `${flags}${updatedAtTrigger("flags")}` },
];
