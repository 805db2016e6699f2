import { type DataServiceOptions, dataServiceApp } from "@togglemaster/shared/data-service";
import { ruleRoutes } from "./routes.ts";
import type { RuleStore } from "./store.ts";

export const createTargetingApp = (store: RuleStore, options: DataServiceOptions) =>
  dataServiceApp("targeting", options, ruleRoutes(store, options.publish));
