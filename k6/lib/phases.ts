// How each script shapes its arrival rate over time. A test is a list of phases run back to
// back: steady phases are the measured stages, ramps only bring the rate up between them.

import { type Env, integer } from "./settings.ts";

export interface Phase {
  /** Requests per second at the end of the phase (throughout it, for a steady phase). */
  targetRps: number;
  seconds: number;
  /** Set only on a ramp: the rate it starts from. Ramps are not measured. */
  rampFromRps?: number;
}

export interface Stage {
  /** 1-based number of the steady phase; requests made in it carry the tag stage=<number>. */
  stage: number;
  targetRps: number;
  seconds: number;
}

export function measuredStages(phases: readonly Phase[]): Stage[] {
  return phases
    .filter((phase) => phase.rampFromRps === undefined)
    .map((phase, index) => ({
      stage: index + 1,
      targetRps: phase.targetRps,
      seconds: phase.seconds,
    }));
}

export function totalSeconds(phases: readonly Phase[]): number {
  return phases.reduce((sum, phase) => sum + phase.seconds, 0);
}

/** A few requests per second, to prove every route answers before a bigger test. */
export function smokePhases(env: Env): Phase[] {
  return [{ targetRps: integer(env, "RPS", 5), seconds: integer(env, "HOLD_SECONDS", 30) }];
}

/** Ramp to the expected production rate and hold it. */
export function loadPhases(env: Env): Phase[] {
  const target = integer(env, "TARGET_RPS", 500);
  return [
    { rampFromRps: 0, targetRps: target, seconds: integer(env, "RAMP_SECONDS", 60) },
    { targetRps: target, seconds: integer(env, "HOLD_SECONDS", 300) },
  ];
}

export interface StressDefaults {
  startRps: number;
  stepRps: number;
  steps: number;
  stageSeconds: number;
}

/** Steps of rising constant rate; the summary shows the last step that met the thresholds. */
export function stressPhases(
  env: Env,
  defaults: StressDefaults = { startRps: 100, stepRps: 100, steps: 10, stageSeconds: 60 },
): Phase[] {
  const start = integer(env, "START_RPS", defaults.startRps);
  const step = integer(env, "STEP_RPS", defaults.stepRps);
  const seconds = integer(env, "STAGE_SECONDS", defaults.stageSeconds);
  return Array.from({ length: integer(env, "STEPS", defaults.steps) }, (_, index) => ({
    targetRps: start + index * step,
    seconds,
  }));
}

/** Baseline, a sudden burst, then the baseline again to see whether the system recovers. */
export function spikePhases(env: Env): Phase[] {
  const base = {
    targetRps: integer(env, "BASE_RPS", 100),
    seconds: integer(env, "BASE_SECONDS", 60),
  };
  const spike = {
    targetRps: integer(env, "SPIKE_RPS", 1_000),
    seconds: integer(env, "SPIKE_SECONDS", 30),
  };
  return [base, spike, { ...base }];
}

/** A long hold split into equal windows, so a slow drift (leaks, growing tables) shows. */
export function soakPhases(env: Env): Phase[] {
  const target = integer(env, "TARGET_RPS", 300);
  const windows = integer(env, "WINDOWS", 6);
  const windowSeconds = Math.max(1, Math.round(integer(env, "HOLD_SECONDS", 3_600) / windows));
  return [
    { rampFromRps: 0, targetRps: target, seconds: integer(env, "RAMP_SECONDS", 60) },
    ...Array.from({ length: windows }, () => ({ targetRps: target, seconds: windowSeconds })),
  ];
}
