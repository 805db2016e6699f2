import { type DataServiceParts, dataServiceApp } from "@togglemaster/shared/data-service";
import { RecordCache } from "@togglemaster/shared/freshness";
import { Elysia } from "elysia";
import { flagdTargetingRoutes } from "./flagd.ts";
import { ruleRoutes } from "./routes.ts";
import { segmentRoutes } from "./segments.ts";
import type { Segment, TargetingRule, TargetingStore } from "./store.ts";

export interface TargetingAppOptions extends DataServiceParts {
  store: TargetingStore;
}

export function createTargetingApp({
  store,
  publish,
  freshness,
  onChange,
  ...parts
}: TargetingAppOptions) {
  const rules = new RecordCache<TargetingRule | undefined>(freshness);
  const segments = new RecordCache<Segment | undefined>(freshness);
  onChange((notice) => {
    if (notice.kind === "rule") rules.invalidate(notice.name);
    if (notice.kind === "segment") segments.invalidate(notice.name);
  });
  return dataServiceApp(
    parts,
    new Elysia({ name: "targeting" })
      .use(ruleRoutes({ store, reads: rules, publish }))
      .use(segmentRoutes({ store, reads: segments, publish }))
      .use(flagdTargetingRoutes({ store, publish })),
  );
}
