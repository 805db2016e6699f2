import { type DataServiceOptions, dataServiceApp } from "@togglemaster/shared/data-service";
import { flagRoutes } from "./routes.ts";
import type { FlagStore } from "./store.ts";

export const createFlagApp = (store: FlagStore, options: DataServiceOptions) =>
  dataServiceApp("flag", options, flagRoutes(store, options.publish));
