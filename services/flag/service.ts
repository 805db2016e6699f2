import { createDataService, type DataServiceDeps } from "@togglemaster/shared/data-service";
import { Elysia } from "elysia";
import { createFlagApp } from "./app.ts";
import type { FlagConfig } from "./config.ts";
import { migrations } from "./migrations/index.ts";
import { createFlagStore } from "./store.ts";
import { createTargetingClient } from "./targeting-client.ts";

export interface FlagDeps extends DataServiceDeps {
  /**
   * Routes Bun serves itself, before the app: the web console's page and assets (see
   * console.ts). Bun only; built unminified on every request unless `development` is off.
   */
  staticRoutes?: Record<string, { GET: Bun.HTMLBundle }>;
}

/** flag-service from its configuration. */
export async function createFlagService(
  config: FlagConfig,
  { staticRoutes, ...deps }: FlagDeps = {},
) {
  const service = await createDataService(
    "flag",
    config,
    migrations,
    (parts) =>
      createFlagApp({
        ...parts,
        store: createFlagStore(parts.pool),
        targeting: createTargetingClient({ url: config.TARGETING_SERVICE_URL }),
      }),
    deps,
  );
  if (staticRoutes === undefined) return service;
  // Bun serves an HTML bundle per method, though its route types only name handlers there.
  const routes = staticRoutes as unknown as Record<string, Bun.HTMLBundle>;
  const app = new Elysia({ serve: { routes, development: false } }).use(service.app);
  return { ...service, app };
}
