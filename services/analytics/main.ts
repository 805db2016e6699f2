import { run } from "@togglemaster/shared/serve";
import { readConfig } from "./config.ts";
import { createAnalyticsService } from "./service.ts";

if (import.meta.main) await run(async () => createAnalyticsService(readConfig()));
