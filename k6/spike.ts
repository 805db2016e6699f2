// Spike test: baseline, a sudden burst, then the baseline again to check recovery.
// Env: BASE_RPS (100), BASE_SECONDS (60), SPIKE_RPS (1000), SPIKE_SECONDS (30).
// Shared env (targets, mix, limits): see README.md.

import { spikePhases } from "./lib/phases.ts";
import { defineScript } from "./lib/script.ts";

const script = defineScript("spike", spikePhases);

export const options = script.options;
export const setup = script.setup;
export const teardown = script.teardown;
export const handleSummary = script.handleSummary;
export default script.run;
