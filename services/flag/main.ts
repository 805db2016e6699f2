import { run } from "@togglemaster/shared/serve";
import { readConfig } from "./config.ts";
import { createFlagService } from "./service.ts";

// The console is a Bun HTML import; Deno serves the API without it.
const staticRoutes =
  typeof Bun === "undefined" ? undefined : (await import("./console.ts")).consoleRoutes;

if (import.meta.main) await run(() => createFlagService(readConfig(), { staticRoutes }));
