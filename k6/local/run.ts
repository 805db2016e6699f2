// Local twin of k6/stress.ts for a machine without k6: drives the same request mix with
// autocannon against a running `bun dev` stack, steps the rate up, and writes a summary with
// the same `toggle` block to <RESULTS_DIR>/local-summary.json for k6/capacity.ts.
// Run: MASTER_KEY=… bun run load:local. Same env as the k6 scripts; the stress steps default
// to 100, 200, 300, 400 rps for 10 s each, and MAX_SECONDS (60) bounds the planned load time.

import { mkdir } from "node:fs/promises";
import { measuredStages, type StressDefaults, stressPhases, totalSeconds } from "../lib/phases.ts";
import { type Env, integer, readSettings, type Settings } from "../lib/settings.ts";
import { judgeStage, renderToggle, type ToggleBlock, type ToggleStage } from "../lib/toggle.ts";
import { createSession, deleteSession, LocalRunError } from "./session.ts";
import { runStage, type TargetCounts } from "./stage.ts";

const LOCAL_STEPS: StressDefaults = { startRps: 100, stepRps: 100, steps: 4, stageSeconds: 10 };

export interface LocalRun {
  path: string;
  toggle: ToggleBlock;
}

export async function runLocal(
  env: Env,
  log: (line: string) => void = console.log,
): Promise<LocalRun> {
  const settings = readSettings(env, { nodes: 1, evaluationPods: 1 });
  const phases = stressPhases(env, LOCAL_STEPS);
  const maxSeconds = integer(env, "MAX_SECONDS", 60);
  if (totalSeconds(phases) > maxSeconds) {
    throw new LocalRunError(
      `the steps add up to ${totalSeconds(phases)} s, over MAX_SECONDS=${maxSeconds}; raise MAX_SECONDS to run longer`,
    );
  }
  const session = await createSession(settings, Date.now().toString(36));
  const stages: ToggleStage[] = [];
  const targets: { stage: number; targets: TargetCounts[] }[] = [];
  try {
    for (const stage of measuredStages(phases)) {
      log(`stage ${stage.stage}: ${stage.targetRps} rps for ${stage.seconds} s`);
      const run = await runStage(stage, settings, session);
      stages.push(judgeStage(run.numbers, settings.limits));
      targets.push({ stage: stage.stage, targets: run.targets });
    }
  } finally {
    const leftovers = await deleteSession(settings, session);
    if (leftovers.length > 0) log(`could not delete test flags: ${leftovers.join(", ")}`);
  }
  const toggle: ToggleBlock = {
    script: "local",
    generator: "autocannon",
    nodes: settings.nodes,
    podsEvaluation: settings.evaluationPods,
    limits: settings.limits,
    stages,
  };
  const path = await writeSummary(settings, {
    toggle,
    autocannon: { urls: settings.urls, stages: targets },
  });
  log(`\n${renderToggle(toggle)}\nSummary written to ${path}`);
  log(
    `Feed it to the capacity model:\n  bun k6/capacity.ts --peak <expected peak rps> --headroom 0.3 ${path}`,
  );
  return { path, toggle };
}

async function writeSummary(settings: Settings, summary: object): Promise<string> {
  await mkdir(settings.resultsDir, { recursive: true });
  const path = `${settings.resultsDir}/local-summary.json`;
  await Bun.write(path, `${JSON.stringify(summary, null, 2)}\n`);
  return path;
}

if (import.meta.main) {
  try {
    await runLocal(process.env);
  } catch (error) {
    console.error(`load:local: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
