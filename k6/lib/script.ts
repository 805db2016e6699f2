// Wires a script's phases to the shared workload: what a k6 script must export.

import type { Options } from "k6/options";
import { k6Options } from "./options.ts";
import type { Phase } from "./phases.ts";
import { readSettings } from "./settings.ts";
import { type K6SummaryData, summaryOutputs } from "./summary.ts";
import { runIteration, type Session, setupWorkload, teardownWorkload } from "./workload.ts";

export interface Script {
  options: Options;
  setup: () => Session;
  run: (session: Session) => void;
  teardown: (session: Session) => void;
  handleSummary: (data: K6SummaryData) => Record<string, string>;
}

export function defineScript(name: string, phasesFor: (env: typeof __ENV) => Phase[]): Script {
  const settings = readSettings(__ENV);
  const phases = phasesFor(__ENV);
  return {
    options: k6Options(phases, settings),
    setup: () => setupWorkload(settings, name),
    run: (session) => runIteration(settings, session),
    teardown: (session) => teardownWorkload(settings, session),
    handleSummary: (data) => summaryOutputs(data, name, phases, settings),
  };
}
