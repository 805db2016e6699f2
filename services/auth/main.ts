import { run } from "@togglemaster/shared/serve";
import { readConfig } from "./config.ts";
import { createAuthService } from "./service.ts";

if (import.meta.main) await run(() => createAuthService(readConfig()));
