import { createDataService, type DataServiceDeps } from "@togglemaster/shared/data-service";
import { createTargetingApp } from "./app.ts";
import type { TargetingConfig } from "./config.ts";
import { migrations } from "./migrations/index.ts";
import { createTargetingStore } from "./store.ts";

/** targeting-service from its configuration. */
export const createTargetingService = (config: TargetingConfig, deps?: DataServiceDeps) =>
  createDataService(
    "targeting",
    config,
    migrations,
    (parts) => createTargetingApp({ ...parts, store: createTargetingStore(parts.pool) }),
    deps,
  );
