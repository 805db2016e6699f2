// Prints a capacity plan with its arithmetic, so the decision can be checked by hand.

import { NODES_AT_REST } from "../../cdk/lib/settings.ts";
import { contract } from "../../charts/contract.ts";
import { SERVICE_NAMES } from "../../services/shared/topology.ts";
import { percent } from "../lib/toggle.ts";
import type { CapacityPlan, MeasuredCapacity } from "./model.ts";
import { type DeploymentPlan, num } from "./plan.ts";

export function formatPlan(plan: CapacityPlan): string {
  const { request, basis } = plan;
  const lines = [
    "Measured capacity (best passing stage before the first failing one):",
    ...plan.capacities.flatMap(describeMeasurement),
  ];
  if (plan.scaling) {
    const { fewestNodes, mostNodes, efficiency } = plan.scaling;
    lines.push(
      `Scaling: the rate per node at ${nodes(mostNodes)} is ${percent(efficiency)} of the rate at ${nodes(fewestNodes)}.`,
    );
  }
  lines.push(
    `Capacity per node used: ${num(basis.perNodeRps)} rps (the lowest measured, from ${basis.measurement.source}).`,
    "",
    `Required rate: peak ${num(request.peakRps)} rps × (1 + ${request.headroom} headroom) = ${num(plan.requiredRps)} rps`,
    `Nodes needed: ceil(${num(plan.requiredRps)} / ${num(basis.perNodeRps)}) = ceil(${(plan.requiredRps / basis.perNodeRps).toFixed(2)}) = ${plan.nodesNeeded}`,
  );
  if (plan.perPodRps !== null && plan.podsNeeded !== null) {
    lines.push(
      `Evaluation pods needed: ceil(${num(plan.requiredRps)} / ${num(plan.perPodRps)}) = ${plan.podsNeeded}`,
    );
  }
  lines.push("", decision(plan));
  if (plan.nodesNeeded > plan.largestMeasuredNodes) {
    lines.push(
      `Caution: the largest run measured ${nodes(plan.largestMeasuredNodes)}; ${nodes(plan.nodesNeeded)} assumes the rate per node holds at that size. Confirm with a stress run at the new size (the databases and Redis do not grow with the node group).`,
    );
  }
  return lines.join("\n");
}

function describeMeasurement(capacity: MeasuredCapacity): string[] {
  const { measurement, sustained, firstFailure } = capacity;
  const pods = measurement.podsEvaluation;
  const lines = [
    `  ${measurement.source}: ${measurement.script}, ${nodes(measurement.nodes)}, ${pods === null ? "evaluation pods not recorded" : `${pods} evaluation pods`}`,
    `    sustained: stage ${sustained.stage}, ${num(sustained.achievedRps)} rps achieved (target ${num(sustained.targetRps)}), evaluate p95 ${num(sustained.p95)} ms, p99 ${num(sustained.p99)} ms, errors ${percent(sustained.errorRate)}`,
  ];
  lines.push(
    firstFailure
      ? `    broke at: stage ${firstFailure.stage} (target ${num(firstFailure.targetRps)} rps): ${firstFailure.failures.join("; ") || "no reason recorded"}`
      : "    broke at: never (every stage passed, so the real limit is higher: rerun with higher rates)",
  );
  const perPod =
    capacity.perPodRps === null || pods === null
      ? ""
      : `; per pod ${num(sustained.achievedRps)} / ${pods} = ${num(capacity.perPodRps)} rps`;
  lines.push(
    `    per node: ${num(sustained.achievedRps)} / ${measurement.nodes} = ${num(capacity.perNodeRps)} rps${perPod}`,
  );
  return lines;
}

function decision(plan: CapacityPlan): string {
  const { nodesNeeded, request } = plan;
  if (plan.raiseMax) {
    return `Decision: ${nodes(nodesNeeded)} > node group max ${request.maxNodes}: RAISE the node group's max size to at least ${nodesNeeded}.`;
  }
  return `Decision: ${nodes(nodesNeeded)} ≤ node group max ${request.maxNodes}: the node group is big enough; keep max ${request.maxNodes}.`;
}

function nodes(count: number): string {
  return count === 1 ? "1 node" : `${count} nodes`;
}

/** The deployment plan: the limits of the current settings, the instance types, the answer. */
export function formatDeploymentPlan(plan: DeploymentPlan): string {
  const { request, measuredOn, recommended } = plan;
  const maxNodes = request.capacity.request.maxNodes;
  const limitRows = plan.limits
    .slice()
    .sort((a, b) => a.rps - b.rps)
    .map((limit) => [
      `${limit.name}${limit.assumed ? " (assumed)" : ""}`,
      `${num(Math.floor(limit.rps))} rps`,
      limit.arithmetic,
      limit === plan.firstLimit ? "← first" : "",
    ]);
  const candidateRows = plan.candidates.map((candidate) => [
    candidate.type.name,
    candidate.type.architecture,
    String(candidate.type.vcpus),
    String(candidate.type.maxPods),
    `${candidate.nodes} (${candidate.nodesForCpu} / ${candidate.nodesForPods})`,
    candidate.usdPerHour.toFixed(2),
    candidate.credits
      ? `${percent(candidate.credits.utilization)} CPU; empty bank: +$${candidate.credits.surplusUsdPerNodeHour.toFixed(3)}/node-hour (a full bank lasts ${num(candidate.credits.bankHours)} h, added nodes have none)`
      : "",
  ]);
  const maxima = SERVICE_NAMES.map(
    (service) => `${service} ${plan.autoscalerMaxima[service]}`,
  ).join(", ");
  const lines = [
    `Plan for ${num(plan.requiredRps)} rps over a ${num(request.peakHours)} h peak (writes ${percent(plan.writeShare)} of requests, measured on ${measuredOn.name}).`,
    "",
    `Where the current settings give out (node group max ${maxNodes} × ${measuredOn.name}, evaluation autoscaler max ${contract.evaluation.replicas.max}):`,
    ...table(limitRows).map((row) => `  ${row}`),
    "",
    `Instance types for ${num(plan.requiredRps)} rps (rate per node scaled by vCPUs from ${measuredOn.name}; nodes = max(CPU, pods, ${NODES_AT_REST})):`,
    ...table([
      ["type", "arch", "vCPU", "pods/node", "nodes (CPU / pods)", "$/hour", "CPU credits"],
      ...candidateRows,
    ]).map((row) => `  ${row}`),
    "",
    `Plan: ${recommended.type.name} (${recommended.type.architecture}), node group max ${recommended.nodes} (${recommended.binds} binds), autoscaler maxima ${maxima}.`,
    `  cd cdk && bunx cdk deploy --all -c instanceType=${recommended.type.name} -c maxNodes=${recommended.nodes}`,
    `  charts/contract.ts: evaluation replicas max ${plan.evaluationPods}; then bun charts/generate.ts and helmfile sync`,
    `  Confirm with a stress run on ${recommended.type.name} before the peak: the rate per node is scaled, not measured.`,
  ];
  if (plan.backendShortfalls.length > 0) {
    const shortfalls = plan.backendShortfalls
      .map((limit) => `${limit.name} at ${num(Math.floor(limit.rps))} rps`)
      .join(", ");
    lines.push(
      `Not enough by nodes alone: ${shortfalls} (assumed limits) — scale those backends first (gp3 or provisioned IOPS, a larger cache node) and measure them.`,
    );
  }
  return lines.join("\n");
}

/** Rows padded into aligned columns. */
function table(rows: string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, column) =>
    Math.max(...rows.map((row) => row[column]?.length ?? 0)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}
