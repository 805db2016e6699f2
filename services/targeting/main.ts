import { wireDataService } from "@togglemaster/shared/data-service";
import { run } from "@togglemaster/shared/serve";
import { createTargetingApp } from "./app.ts";
import { migrations } from "./migrations/index.ts";
import { createRuleStore } from "./store.ts";

export const main = () =>
  wireDataService({
    service: "targeting",
    defaultPort: 8003,
    migrations,
    createApp: (pool, options) => createTargetingApp(createRuleStore(pool), options),
  });

if (import.meta.main) await run(main);
