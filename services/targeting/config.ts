import type { Env } from "@togglemaster/shared/config";
import { loadConfig } from "@togglemaster/shared/config";
import { dataServiceSettings } from "@togglemaster/shared/data-service";

export const targetingSettings = dataServiceSettings("targeting");

export const readConfig = (source: Env = process.env) => loadConfig(targetingSettings, source);
export type TargetingConfig = ReturnType<typeof readConfig>;
