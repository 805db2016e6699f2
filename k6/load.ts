// Load test: ramp to the expected production rate and hold it; every threshold should pass.
// Env: TARGET_RPS (500), RAMP_SECONDS (60), HOLD_SECONDS (300).
// Shared env (targets, mix, limits): see README.md.

import { loadPhases } from "./lib/phases.ts";
import { defineScript } from "./lib/script.ts";

const script = defineScript("load", loadPhases);

export const options = script.options;
export const setup = script.setup;
export const teardown = script.teardown;
export const handleSummary = script.handleSummary;
export default script.run;
