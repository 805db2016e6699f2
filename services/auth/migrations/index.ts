import type { Migration } from "@togglemaster/shared/db";
import apiKeys from "./001_api_keys.sql" with { type: "text" };

export const migrations: Migration[] = [{ version: 1, name: "api_keys", sql: apiKeys }];
