import { type DataServiceParts, dataServiceApp } from "@togglemaster/shared/data-service";
import { RecordCache } from "@togglemaster/shared/freshness";
import { MAX_DOCUMENT_BYTES } from "@togglemaster/shared/limits";
import { Elysia } from "elysia";
import { createFlagd, FLAGD_IMPORT_PATH, flagdRoutes } from "./flagd.ts";
import { flagRoutes } from "./routes.ts";
import type { Flag, FlagStore } from "./store.ts";
import type { TargetingClient } from "./targeting-client.ts";

export interface FlagAppOptions extends DataServiceParts {
  store: FlagStore;
  /** Where flagd imports and exports keep and read targeting. */
  targeting: TargetingClient;
}

export function createFlagApp({
  store,
  targeting,
  publish,
  freshness,
  onChange,
  ...parts
}: FlagAppOptions) {
  const reads = new RecordCache<Flag | undefined>(freshness);
  onChange((notice) => {
    if (notice.kind === "flag") reads.invalidate(notice.name);
  });
  const flagd = createFlagd({ store, targeting, publish, logger: parts.edge.logger });
  const edge = { ...parts.edge, documentLimits: { [FLAGD_IMPORT_PATH]: MAX_DOCUMENT_BYTES } };
  return dataServiceApp(
    { ...parts, edge },
    new Elysia({ name: "flag" }).use(flagRoutes({ store, reads, publish })).use(flagdRoutes(flagd)),
  );
}
