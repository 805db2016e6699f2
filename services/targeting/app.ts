import { type DataServiceParts, dataServiceApp } from "@togglemaster/shared/data-service";
import {
  TARGETING_IMPORT_PATH,
  TARGETING_RESTORE_PATH,
} from "@togglemaster/shared/flagd-targeting";
import { RecordCache } from "@togglemaster/shared/freshness";
import { MAX_DOCUMENT_BYTES } from "@togglemaster/shared/limits";
import { Elysia } from "elysia";
import { flagdTargetingRoutes } from "./flagd.ts";
import { ruleRoutes } from "./routes.ts";
import { segmentRoutes } from "./segments.ts";
import type { Segment, TargetingRule, TargetingStore } from "./store.ts";

export interface TargetingAppOptions extends DataServiceParts {
  store: TargetingStore;
}

/**
 * flag-service forwards an import's targeting here, and what it replaced when undoing it;
 * that can outgrow the document (rules created one by one, each up to the body limit).
 */
const FORWARDED_DOCUMENT_BYTES = 4 * MAX_DOCUMENT_BYTES;

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
  const documentLimits = {
    [TARGETING_IMPORT_PATH]: FORWARDED_DOCUMENT_BYTES,
    [TARGETING_RESTORE_PATH]: FORWARDED_DOCUMENT_BYTES,
  };
  return dataServiceApp(
    { ...parts, edge: { ...parts.edge, documentLimits } },
    new Elysia({ name: "targeting" })
      .use(ruleRoutes({ store, reads: rules, publish }))
      .use(segmentRoutes({ store, reads: segments, publish }))
      .use(flagdTargetingRoutes({ store, publish })),
  );
}
