import { run } from "@togglemaster/shared/serve";
import { readConfig } from "./config.ts";
import { createEvaluationService } from "./service.ts";

if (import.meta.main) await run(async () => createEvaluationService(readConfig()));
