import { run } from "@togglemaster/shared/serve";
import { readConfig } from "./config.ts";
import { createTargetingService } from "./service.ts";

if (import.meta.main) await run(() => createTargetingService(readConfig()));
