// Soak test: a long hold at a steady rate, measured in equal windows to expose slow drift.
// Env: TARGET_RPS (300), RAMP_SECONDS (60), HOLD_SECONDS (3600), WINDOWS (6).
// Shared env (targets, mix, limits): see README.md.

import { soakPhases } from "./lib/phases.ts";
import { defineScript } from "./lib/script.ts";

const script = defineScript("soak", soakPhases);

export const options = script.options;
export const setup = script.setup;
export const teardown = script.teardown;
export const handleSummary = script.handleSummary;
export default script.run;
