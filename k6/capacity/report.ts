// Prints a capacity plan with its arithmetic, so the decision can be checked by hand.

import { percent } from "../lib/toggle.ts";
import type { CapacityPlan, MeasuredCapacity } from "./model.ts";

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

/** Whole numbers as they are, others to one decimal. */
function num(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
