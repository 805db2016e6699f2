// Builds k6 options from phases: one arrival-rate scenario per phase, started back to back,
// and thresholds both for the whole run and for each stage's tagged sub-metrics. The
// per-stage sub-metrics exist only because a threshold names them; handleSummary reads
// them back by the same names (see stageMetric).

import type { ObjectThreshold, Options, Scenario } from "k6/options";
import { measuredStages, type Phase, type Stage } from "./phases.ts";
import { type Limits, ROUTES, type Route, type Settings } from "./settings.ts";

export const SUMMARY_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"];

/** Name of a sub-metric, written the way k6 keys it in the summary data. */
export function metricName(metric: string, tags: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(tags).map(([key, value]) => `${key}:${value}`);
  return `${metric}{${pairs.join(",")}}`;
}

export function stageScenarioName(stage: number): string {
  return `stage_${stage}`;
}

export const stageMetric = {
  duration: (stage: number, route: Route) =>
    metricName("http_req_duration", { route, stage: String(stage) }),
  requests: (stage: number, route: Route) =>
    metricName("http_reqs", { route, stage: String(stage) }),
  failed: (stage: number) => metricName("http_req_failed", { stage: String(stage) }),
  // k6 tags dropped iterations with the scenario, not with the scenario's own tags.
  dropped: (stage: number) =>
    metricName("dropped_iterations", { scenario: stageScenarioName(stage) }),
};

export function k6Options(phases: readonly Phase[], settings: Settings): Options {
  return {
    scenarios: scenarios(phases, settings.maxVus),
    thresholds: thresholds(measuredStages(phases), settings.limits),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: "5m",
    teardownTimeout: "5m",
  };
}

function scenarios(phases: readonly Phase[], maxVus: number): Record<string, Scenario> {
  const result: Record<string, Scenario> = {};
  let startSeconds = 0;
  let stage = 0;
  phases.forEach((phase, index) => {
    const common = {
      startTime: `${startSeconds}s`,
      gracefulStop: "10s",
      ...vus(phase.targetRps, maxVus),
    };
    if (phase.rampFromRps === undefined) {
      stage += 1;
      result[stageScenarioName(stage)] = {
        ...common,
        executor: "constant-arrival-rate",
        rate: phase.targetRps,
        timeUnit: "1s",
        duration: `${phase.seconds}s`,
        tags: { stage: String(stage) },
      };
    } else {
      result[`ramp_${index + 1}`] = {
        ...common,
        executor: "ramping-arrival-rate",
        startRate: phase.rampFromRps,
        timeUnit: "1s",
        stages: [{ target: phase.targetRps, duration: `${phase.seconds}s` }],
      };
    }
    startSeconds += phase.seconds;
  });
  return result;
}

/** Enough VUs for requests that take up to half a second, capped so k6 itself stays healthy. */
function vus(rps: number, maxVus: number): { preAllocatedVUs: number; maxVUs: number } {
  const preAllocatedVUs = Math.min(maxVus, Math.max(2, Math.ceil(rps * 0.05)));
  return { preAllocatedVUs, maxVUs: Math.min(maxVus, Math.max(10, Math.ceil(rps * 0.5))) };
}

function thresholds(stages: readonly Stage[], limits: Limits): Record<string, ObjectThreshold[]> {
  const result: Record<string, ObjectThreshold[]> = {
    http_req_failed: [keepGoing(`rate<${limits.maxErrorRate}`)],
    checks: [keepGoing(`rate>${1 - limits.maxErrorRate}`)],
  };
  for (const route of ROUTES) {
    result[metricName("http_req_duration", { route })] = latencyThresholds(limits, route);
  }
  for (const { stage } of stages) {
    result[stageMetric.failed(stage)] = [keepGoing(`rate<${limits.maxErrorRate}`)];
    result[stageMetric.dropped(stage)] = [keepGoing("count>=0")];
    for (const route of ROUTES) {
      result[stageMetric.duration(stage, route)] = latencyThresholds(limits, route);
      result[stageMetric.requests(stage, route)] = [keepGoing("count>=0")];
    }
  }
  return result;
}

function latencyThresholds(limits: Limits, route: Route): ObjectThreshold[] {
  const { p95Ms, p99Ms } = limits.latency[route];
  return [keepGoing(`p(95)<${p95Ms}`), keepGoing(`p(99)<${p99Ms}`)];
}

/** The run goes on past a broken threshold, so the summary shows where it broke. */
function keepGoing(threshold: string): ObjectThreshold {
  return { threshold, abortOnFail: false };
}
