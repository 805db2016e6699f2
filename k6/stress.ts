// Stress test: steps of rising constant rate; thresholds never abort the run, so the summary
// shows the last step that met them. Env: START_RPS (100), STEP_RPS (100), STEPS (10), STAGE_SECONDS (60).
// Shared env (targets, mix, limits): see README.md.

import { stressPhases } from "./lib/phases.ts";
import { defineScript } from "./lib/script.ts";

const script = defineScript("stress", stressPhases);

export const options = script.options;
export const setup = script.setup;
export const teardown = script.teardown;
export const handleSummary = script.handleSummary;
export default script.run;
