// Capacity model: from stress summaries taken with a known number of nodes, how many nodes a
// peak rate needs, and whether the node group's maximum must be raised. Pure: callers read
// the files and print the result.

import { sustainedStage } from "../lib/toggle.ts";

/** A summary file that does not have the expected shape. */
export class SummaryError extends Error {}

/** Inputs that are well formed but cannot give an answer. */
export class CapacityError extends Error {}

export interface MeasuredStage {
  stage: number;
  targetRps: number;
  achievedRps: number;
  p95: number;
  p99: number;
  errorRate: number;
  passed: boolean;
  failures: string[];
  /** Share of the stage's requests that were writes (management routes), when recorded. */
  writeShare: number | null;
}

export interface Measurement {
  source: string;
  script: string;
  nodes: number;
  podsEvaluation: number | null;
  stages: MeasuredStage[];
}

export interface CapacityRequest {
  peakRps: number;
  /** Spare capacity wanted above the peak: 0.3 plans for peak × 1.3. */
  headroom: number;
  /** The node group's current maximum size. */
  maxNodes: number;
  measurements: Measurement[];
}

export interface MeasuredCapacity {
  measurement: Measurement;
  sustained: MeasuredStage;
  /** The stage that ended the sustained run, if the run reached one. */
  firstFailure: MeasuredStage | undefined;
  perNodeRps: number;
  perPodRps: number | null;
}

export interface CapacityPlan {
  request: CapacityRequest;
  capacities: MeasuredCapacity[];
  /** The measurement with the lowest rate per node: the plan is built on it. */
  basis: MeasuredCapacity;
  requiredRps: number;
  nodesNeeded: number;
  raiseMax: boolean;
  /** Lowest measured rate per evaluation pod, when any summary recorded its pod count. */
  perPodRps: number | null;
  podsNeeded: number | null;
  /** Rate per node at the most nodes measured over the rate per node at the fewest. */
  scaling: { fewestNodes: number; mostNodes: number; efficiency: number } | null;
  largestMeasuredNodes: number;
}

export function parseSummary(source: string, json: unknown): Measurement {
  const fail = (path: string, problem: string): never => {
    throw new SummaryError(`${source}: ${path} ${problem}`);
  };
  if (!isRecord(json)) return fail("the file", "is not a JSON object");
  const toggle = json.toggle;
  if (!isRecord(toggle)) {
    return fail(
      "toggle",
      "is missing: this is not a summary written by the k6 scripts' handleSummary or the local runner",
    );
  }
  const script = toggle.script;
  if (typeof script !== "string" || script === "")
    return fail("toggle.script", "must be a non-empty string");
  const nodes = toggle.nodes;
  if (nodes === null || nodes === undefined) {
    return fail("toggle.nodes", "is not set: run the test with NODES=<nodes in the node group>");
  }
  if (!isCount(nodes))
    return fail("toggle.nodes", `must be a whole number ≥ 1 (got ${show(nodes)})`);
  const pods = toggle.podsEvaluation ?? null;
  if (pods !== null && !isCount(pods)) {
    return fail("toggle.podsEvaluation", `must be a whole number ≥ 1 or null (got ${show(pods)})`);
  }
  const stages = toggle.stages;
  if (!Array.isArray(stages) || stages.length === 0) {
    return fail("toggle.stages", "must be a non-empty array");
  }
  return {
    source,
    script,
    nodes,
    podsEvaluation: pods,
    stages: stages.map((stage: unknown, index) =>
      parseStage(stage, `toggle.stages[${index}]`, fail),
    ),
  };
}

function parseStage(
  stage: unknown,
  path: string,
  fail: (path: string, problem: string) => never,
): MeasuredStage {
  if (!isRecord(stage)) return fail(path, "must be an object");
  const measure = (field: string, max = Number.POSITIVE_INFINITY): number => {
    const value = stage[field];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > max) {
      const range = max === Number.POSITIVE_INFINITY ? "≥ 0" : `from 0 to ${max}`;
      return fail(`${path}.${field}`, `must be a number ${range} (got ${show(value)})`);
    }
    return value;
  };
  const stageNumber = stage.stage;
  if (!isCount(stageNumber)) {
    return fail(`${path}.stage`, `must be a whole number ≥ 1 (got ${show(stageNumber)})`);
  }
  const passed = stage.passed;
  if (typeof passed !== "boolean")
    return fail(`${path}.passed`, `must be true or false (got ${show(passed)})`);
  const failures = stage.failures ?? [];
  if (!Array.isArray(failures) || !failures.every((item) => typeof item === "string")) {
    return fail(`${path}.failures`, "must be an array of strings");
  }
  const targetRps = measure("targetRps");
  if (targetRps === 0) return fail(`${path}.targetRps`, "must be above 0");
  return {
    stage: stageNumber,
    targetRps,
    achievedRps: measure("achievedRps"),
    p95: measure("p95"),
    p99: measure("p99"),
    errorRate: measure("errorRate", 1),
    passed,
    failures,
    writeShare: writeShare(stage.routes),
  };
}

/** Management requests over all requests of a stage's routes; null when not recorded. */
function writeShare(routes: unknown): number | null {
  if (!isRecord(routes)) return null;
  const counts = Object.fromEntries(
    Object.entries(routes).map(([route, numbers]) => [
      route,
      isRecord(numbers) && typeof numbers.requests === "number" ? numbers.requests : 0,
    ]),
  );
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  return total > 0 ? (counts.management ?? 0) / total : null;
}

export function planCapacity(request: CapacityRequest): CapacityPlan {
  checkRequest(request);
  const capacities = request.measurements.map(measuredCapacity);
  const basis = lowest(capacities, (capacity) => capacity.perNodeRps);
  const requiredRps = request.peakRps * (1 + request.headroom);
  const nodesNeeded = Math.max(1, ceil(requiredRps / basis.perNodeRps));
  const podRates = capacities.flatMap((capacity) =>
    capacity.perPodRps === null ? [] : [capacity.perPodRps],
  );
  const perPodRps = podRates.length > 0 ? Math.min(...podRates) : null;
  return {
    request,
    capacities,
    basis,
    requiredRps,
    nodesNeeded,
    raiseMax: nodesNeeded > request.maxNodes,
    perPodRps,
    podsNeeded: perPodRps === null ? null : Math.max(1, ceil(requiredRps / perPodRps)),
    scaling: scaling(capacities),
    largestMeasuredNodes: Math.max(...capacities.map((capacity) => capacity.measurement.nodes)),
  };
}

function checkRequest(request: CapacityRequest): void {
  if (!(Number.isFinite(request.peakRps) && request.peakRps > 0)) {
    throw new CapacityError(`the peak rate must be a number above 0 (got ${request.peakRps})`);
  }
  if (!(Number.isFinite(request.headroom) && request.headroom >= 0)) {
    throw new CapacityError(
      `the headroom must be a number ≥ 0, such as 0.3 (got ${request.headroom})`,
    );
  }
  if (!isCount(request.maxNodes)) {
    throw new CapacityError(
      `the node group maximum must be a whole number ≥ 1 (got ${request.maxNodes})`,
    );
  }
  if (request.measurements.length === 0) {
    throw new CapacityError("give at least one stress summary");
  }
}

function measuredCapacity(measurement: Measurement): MeasuredCapacity {
  const sustained = sustainedStage(measurement.stages);
  if (!sustained) {
    const first = measurement.stages[0];
    throw new CapacityError(
      `${measurement.source}: no stage met the thresholds (the first, at ${first?.targetRps} rps, failed: ${first?.failures.join("; ") || "no reason recorded"}); rerun with a lower START_RPS`,
    );
  }
  const perPodRps =
    measurement.podsEvaluation === null ? null : sustained.achievedRps / measurement.podsEvaluation;
  return {
    measurement,
    sustained,
    firstFailure: measurement.stages.find((stage) => !stage.passed),
    perNodeRps: sustained.achievedRps / measurement.nodes,
    perPodRps,
  };
}

function scaling(capacities: readonly MeasuredCapacity[]): CapacityPlan["scaling"] {
  const byNodes = [...capacities].sort((a, b) => a.measurement.nodes - b.measurement.nodes);
  const fewest = byNodes[0];
  const most = byNodes[byNodes.length - 1];
  if (!fewest || !most || fewest.measurement.nodes === most.measurement.nodes) return null;
  return {
    fewestNodes: fewest.measurement.nodes,
    mostNodes: most.measurement.nodes,
    efficiency: most.perNodeRps / fewest.perNodeRps,
  };
}

function lowest<T>(items: readonly T[], score: (item: T) => number): T {
  const [first, ...rest] = items;
  if (first === undefined) throw new CapacityError("give at least one stress summary");
  return rest.reduce((best, item) => (score(item) < score(best) ? item : best), first);
}

/** Ceiling that ignores floating-point dust: 2600 / 1300 must be 2, not 3. */
export function ceil(value: number): number {
  return Math.ceil(value - 1e-9);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1;
}

function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}
