import { wireDataService } from "@togglemaster/shared/data-service";
import { run } from "@togglemaster/shared/serve";
import { createFlagApp } from "./app.ts";
import { migrations } from "./migrations/index.ts";
import { createFlagStore } from "./store.ts";

export const main = () =>
  wireDataService({
    service: "flag",
    defaultPort: 8002,
    migrations,
    createApp: (pool, options) => createFlagApp(createFlagStore(pool), options),
  });

if (import.meta.main) await run(main);
