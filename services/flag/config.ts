import type { Env } from "@togglemaster/shared/config";
import { env, loadConfig } from "@togglemaster/shared/config";
import { dataServiceSettings } from "@togglemaster/shared/data-service";

export const flagSettings = {
  ...dataServiceSettings("flag"),
  TARGETING_SERVICE_URL: env
    .url()
    .doc("targeting-service base URL (flagd import and export read and write targeting there)"),
};

export const readConfig = (source: Env = process.env) => loadConfig(flagSettings, source);
export type FlagConfig = ReturnType<typeof readConfig>;
