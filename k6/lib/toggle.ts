// The `toggle` block every summary carries, whichever tool generated the load. The capacity
// model reads only this block. Pure, so k6 and Bun share the verdict and the text report.

import { type Limits, ROUTES, type Route } from "./settings.ts";

export interface RouteNumbers {
  requests: number;
  p95: number;
  p99: number;
}

export interface StageNumbers {
  stage: number;
  targetRps: number;
  durationSeconds: number;
  achievedRps: number;
  /** Latency percentiles of /evaluate in milliseconds: the hot path that sizes the cluster. */
  p95: number;
  p99: number;
  /** Failed requests over all requests of the stage, 0..1. */
  errorRate: number;
  routes: Record<Route, RouteNumbers>;
  /** Iterations k6 could not start on time (the arrival-rate executor ran out of VUs). */
  droppedIterations?: number;
}

export interface ToggleStage extends StageNumbers {
  passed: boolean;
  /** Why the stage failed; empty when it passed. */
  failures: string[];
}

export interface ToggleBlock {
  script: string;
  generator: "k6" | "autocannon";
  /** Nodes in the node group during the run, and evaluation-service pods: from NODES and EVALUATION_PODS. */
  nodes: number | null;
  podsEvaluation: number | null;
  limits: Limits;
  stages: ToggleStage[];
}

export function judgeStage(numbers: StageNumbers, limits: Limits): ToggleStage {
  const failures: string[] = [];
  if (numbers.errorRate >= limits.maxErrorRate) {
    failures.push(`errors ${percent(numbers.errorRate)} ≥ ${percent(limits.maxErrorRate)}`);
  }
  for (const route of ROUTES) {
    const measured = numbers.routes[route];
    if (measured.requests === 0) continue;
    const limit = limits.latency[route];
    if (measured.p95 >= limit.p95Ms) {
      failures.push(`${route} p95 ${fixed(measured.p95)} ms ≥ ${limit.p95Ms} ms`);
    }
    if (measured.p99 >= limit.p99Ms) {
      failures.push(`${route} p99 ${fixed(measured.p99)} ms ≥ ${limit.p99Ms} ms`);
    }
  }
  const floor = numbers.targetRps * (1 - limits.rateTolerance);
  if (numbers.achievedRps < floor) {
    const dropped = numbers.droppedIterations ? ` (k6 dropped ${numbers.droppedIterations})` : "";
    failures.push(
      `achieved ${fixed(numbers.achievedRps)} rps < ${fixed(floor)} rps (${percent(1 - limits.rateTolerance)} of target)${dropped}`,
    );
  }
  return { ...numbers, passed: failures.length === 0, failures };
}

/**
 * The highest rate the system sustained: the best passing stage before the first failing one.
 * Stages after a failure are ignored even if they pass, since a system that already broke once
 * at a lower rate cannot be trusted at a higher one.
 */
export function sustainedStage<S extends { passed: boolean; achievedRps: number }>(
  stages: readonly S[],
): S | undefined {
  let best: S | undefined;
  for (const stage of stages) {
    if (!stage.passed) break;
    if (!best || stage.achievedRps > best.achievedRps) best = stage;
  }
  return best;
}

export function renderToggle(toggle: ToggleBlock): string {
  const header = `${toggle.script} (${toggle.generator}): nodes ${toggle.nodes ?? "not set (NODES)"}, evaluation pods ${toggle.podsEvaluation ?? "not set (EVALUATION_PODS)"}`;
  const rows = [
    ["stage", "target rps", "achieved rps", "eval p95 ms", "eval p99 ms", "errors", "verdict"],
    ...toggle.stages.map((stage) => [
      String(stage.stage),
      String(stage.targetRps),
      fixed(stage.achievedRps),
      fixed(stage.p95),
      fixed(stage.p99),
      percent(stage.errorRate),
      stage.passed ? "pass" : `FAIL: ${stage.failures.join("; ")}`,
    ]),
  ];
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  );
  const table = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  return [header, ...table, sustainedLine(toggle)].join("\n");
}

function sustainedLine(toggle: ToggleBlock): string {
  const best = sustainedStage(toggle.stages);
  if (!best) return "No stage met the thresholds: capacity is below the first stage's rate.";
  const perNode = toggle.nodes ? `, ${fixed(best.achievedRps / toggle.nodes)} rps per node` : "";
  const limit = toggle.stages.every((stage) => stage.passed)
    ? " Every stage passed: the limit is higher, so step further to find it."
    : "";
  return `Highest sustained rate: stage ${best.stage}, ${fixed(best.achievedRps)} rps achieved of ${best.targetRps} targeted${perNode}.${limit}`;
}

/** A rate or a latency, to one decimal. */
export function fixed(value: number): string {
  return value.toFixed(1);
}

export function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)} %`;
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
