// Smoke test: a few requests per second on every route, to check the stack before a bigger run.
// Env: RPS (5), HOLD_SECONDS (30).
// Shared env (targets, mix, limits): see README.md.

import { smokePhases } from "./lib/phases.ts";
import { defineScript } from "./lib/script.ts";

const script = defineScript("smoke", smokePhases);

export const options = script.options;
export const setup = script.setup;
export const teardown = script.teardown;
export const handleSummary = script.handleSummary;
export default script.run;
