// The deployment plan: from the measured capacity (model.ts), what to set so the platform
// holds a peak — the node group's maximum, each service's autoscaler maximum, the instance
// type — and which limit of the current settings gives out first. Beyond the rate per node
// it counts the limits the linear model misses: the autoscalers' maxima, the pods a node can
// run, the CPU credits of burstable instances over a long peak, and the single RDS and
// ElastiCache instances the node group does not scale. Pure: the CLI prints the result.

import { INSTANCE_TYPES, type InstanceType, instanceType } from "../../cdk/lib/instance-types.ts";
import { NODES_AT_REST } from "../../cdk/lib/settings.ts";
import { contract } from "../../charts/contract.ts";
import {
  maxReplicas,
  PLATFORM_PODS,
  podBudget,
  type Replicas,
  slotsPerNode,
} from "../../charts/pod-budget.ts";
import { SERVICE_NAMES } from "../../services/shared/topology.ts";
import { percent } from "../lib/toggle.ts";
import { CapacityError, type CapacityPlan, ceil } from "./model.ts";

/**
 * Limits of the single backends, which no run of the load scripts measures: assumptions to
 * replace with a measurement (pgbench, redis-benchmark) before relying on them.
 */
export const BACKEND_ASSUMPTIONS = {
  /**
   * Committed writes per second one database sustains: a 20 GB gp2 volume has a baseline of
   * 100 IOPS (3 per GB, at least 100) and each committed update flushes the write-ahead log
   * once. Bursts reach 3,000 IOPS until the volume's burst bucket empties (about 30 minutes).
   */
  databaseWritesPerSecond: 100,
  /** Simple commands per second of one cache.t4g.micro Redis node. */
  redisCommandsPerSecond: 25_000,
  /** Databases the write routes of the load mix spread over (flags, rules). */
  writeDatabases: 2,
} as const;

/** The request mix's default write share (k6/lib/settings.ts) when a summary lacks routes. */
export const DEFAULT_WRITE_SHARE = 0.02;

export interface PlanRequest {
  capacity: CapacityPlan;
  /** How long the peak lasts, for the CPU credits of burstable instances. */
  peakHours: number;
  /** The instance type the measurements ran on. */
  measuredOn: string;
  /** Instance types to plan with (default: every known one). */
  candidates?: readonly string[];
}

export interface Limit {
  name: string;
  /** The request rate at which this limit gives out. */
  rps: number;
  arithmetic: string;
  /** True for limits resting on BACKEND_ASSUMPTIONS rather than on the measurement. */
  assumed: boolean;
}

export interface Candidate {
  type: InstanceType;
  perNodeRps: number;
  nodesForCpu: number;
  nodesForPods: number;
  nodes: number;
  binds: "node CPU" | "pods per node" | "minimum size";
  /** Hourly cost at the peak, with the surplus credits a burstable type is billed. */
  usdPerHour: number;
  /**
   * For a burstable type run above its baseline: the CPU it runs at, how long a full credit
   * bank lasts at that load, and the surplus "unlimited" mode bills once a bank is empty.
   */
  credits: { utilization: number; bankHours: number; surplusUsdPerNodeHour: number } | null;
}

export interface DeploymentPlan {
  request: PlanRequest;
  requiredRps: number;
  writeShare: number;
  measuredOn: InstanceType;
  /** Limits of the current settings (measured type, node group max, autoscaler maxima). */
  limits: Limit[];
  firstLimit: Limit;
  evaluationPods: number;
  autoscalerMaxima: Replicas;
  candidates: Candidate[];
  recommended: Candidate;
  /** Backend limits below the required rate: the node group cannot fix these. */
  backendShortfalls: Limit[];
}

const services = SERVICE_NAMES;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const platformPods = sum(Object.values(PLATFORM_PODS));

export function planDeployment(request: PlanRequest): DeploymentPlan {
  const { capacity } = request;
  if (!(Number.isFinite(request.peakHours) && request.peakHours > 0)) {
    throw new CapacityError(
      `the peak duration must be a number of hours above 0 (got ${request.peakHours})`,
    );
  }
  if (capacity.perPodRps === null) {
    throw new CapacityError(
      "the plan needs the evaluation pods of a run: run it with EVALUATION_PODS set",
    );
  }
  const perPodRps = capacity.perPodRps;
  const measuredOn = instanceType(request.measuredOn);
  const requiredRps = capacity.requiredRps;
  const writeShare = capacity.basis.sustained.writeShare ?? DEFAULT_WRITE_SHARE;
  const evaluationPods = Math.max(contract.evaluation.replicas.min, ceil(requiredRps / perPodRps));
  const autoscalerMaxima = Object.fromEntries(
    services.map((service) => [
      service,
      service === "evaluation" ? evaluationPods : contract[service].replicas.max,
    ]),
  ) as Replicas;

  const limits = currentLimits(request, measuredOn, perPodRps, writeShare);
  const firstLimit = limits.reduce((first, limit) => (limit.rps < first.rps ? limit : first));
  const candidates = (request.candidates ?? INSTANCE_TYPES.map((type) => type.name))
    .map((name) => candidate(instanceType(name), request, measuredOn, autoscalerMaxima))
    .sort((a, b) => a.usdPerHour - b.usdPerHour || a.nodes - b.nodes);
  const [recommended] = candidates;
  if (recommended === undefined) throw new CapacityError("give at least one instance type");
  return {
    request,
    requiredRps,
    writeShare,
    measuredOn,
    limits,
    firstLimit,
    evaluationPods,
    autoscalerMaxima,
    candidates,
    recommended,
    backendShortfalls: limits.filter((limit) => limit.assumed && limit.rps < requiredRps),
  };
}

/** Each limit of the deployment as it stands, as the request rate at which it gives out. */
function currentLimits(
  request: PlanRequest,
  measuredOn: InstanceType,
  perPodRps: number,
  writeShare: number,
): Limit[] {
  const { capacity, peakHours } = request;
  const maxNodes = capacity.request.maxNodes;
  const perNodeRps = capacity.basis.perNodeRps;
  const evaluationMax = contract.evaluation.replicas.max;
  const others = sum(
    services.filter((s) => s !== "evaluation").map((s) => contract[s].replicas.max),
  );
  const budget = podBudget(maxNodes, measuredOn.maxPods, { ...maxReplicas(), evaluation: 0 });
  const evaluationPodsThatFit = Math.max(0, budget.slots - budget.used);
  const limits: Limit[] = [
    {
      name: "evaluation autoscaler maximum",
      rps: evaluationMax * perPodRps,
      arithmetic: `${evaluationMax} pods × ${num(perPodRps)} rps`,
      assumed: false,
    },
    {
      name: `pods per node (${measuredOn.maxPods} on ${measuredOn.name})`,
      rps: evaluationPodsThatFit * perPodRps,
      arithmetic: `${maxNodes} nodes × ${slotsPerNode(measuredOn.maxPods)} slots − ${platformPods} platform − ${others} other services − ${budget.surge} surge = ${evaluationPodsThatFit} evaluation pods × ${num(perPodRps)} rps`,
      assumed: false,
    },
    {
      name: "node CPU",
      rps: maxNodes * perNodeRps,
      arithmetic: `${maxNodes} nodes × ${num(perNodeRps)} rps`,
      assumed: false,
    },
  ];
  const credits = creditLimit(measuredOn, maxNodes, perNodeRps, peakHours);
  if (credits) limits.push(credits);
  const perDatabase = writeShare / BACKEND_ASSUMPTIONS.writeDatabases;
  limits.push({
    name: "database writes (one RDS gp2 volume each)",
    rps: perDatabase > 0 ? BACKEND_ASSUMPTIONS.databaseWritesPerSecond / perDatabase : Infinity,
    arithmetic: `${BACKEND_ASSUMPTIONS.databaseWritesPerSecond} writes/s ÷ (${percent(writeShare)} writes ÷ ${BACKEND_ASSUMPTIONS.writeDatabases} databases)`,
    assumed: true,
  });
  limits.push(redisLimit(writeShare, perPodRps));
  return limits;
}

/**
 * A burstable type spends credits above its baseline. Nodes that were up before the peak
 * start with a full bank; nodes the autoscaler adds start with none. The limit is the rate
 * the node group holds through the whole peak without running a bank dry (after that,
 * "standard" instances slow to their baseline and "unlimited" ones, the EC2 default for T3,
 * bill surplus credits).
 */
function creditLimit(
  type: InstanceType,
  maxNodes: number,
  perNodeRps: number,
  peakHours: number,
): Limit | null {
  const burst = type.burst;
  if (!burst) return null;
  const banked = Math.min(NODES_AT_REST, maxNodes);
  const bankedUtilization = Math.min(
    1,
    burst.baselinePerVcpu + burst.maxBanked / (type.vcpus * 60 * peakHours),
  );
  const rps =
    perNodeRps * (banked * bankedUtilization + (maxNodes - banked) * burst.baselinePerVcpu);
  return {
    name: `CPU credits over a ${num(peakHours)} h peak (${type.name})`,
    rps,
    arithmetic: `${num(perNodeRps)} rps × (${banked} banked nodes × ${percent(bankedUtilization)} + ${maxNodes - banked} new × ${percent(burst.baselinePerVcpu)} baseline)`,
    assumed: false,
  };
}

/**
 * Every write publishes one change notice, which Redis delivers to each evaluation pod, and
 * each pod then reads the flag again: 1 + 2 × pods commands per write, pods growing with rps.
 */
function redisLimit(writeShare: number, perPodRps: number): Limit {
  const capacity = BACKEND_ASSUMPTIONS.redisCommandsPerSecond;
  // rps × w × (1 + 2 rps / perPod) = capacity, solved for rps.
  const a = (2 * writeShare) / perPodRps;
  const rps =
    writeShare > 0
      ? (-writeShare + Math.sqrt(writeShare ** 2 + 4 * a * capacity)) / (2 * a)
      : Infinity;
  return {
    name: "Redis (one cache.t4g.micro)",
    rps,
    arithmetic: `${capacity} commands/s ÷ (${percent(writeShare)} writes × (1 + 2 × evaluation pods))`,
    assumed: true,
  };
}

function candidate(
  type: InstanceType,
  request: PlanRequest,
  measuredOn: InstanceType,
  autoscalerMaxima: Replicas,
): Candidate {
  const requiredRps = request.capacity.requiredRps;
  // The measured rate per node, scaled by vCPUs: confirm with a run on the chosen type.
  const perNodeRps = (request.capacity.basis.perNodeRps * type.vcpus) / measuredOn.vcpus;
  const nodesForCpu = ceil(requiredRps / perNodeRps);
  const pods = platformPods + sum(Object.values(autoscalerMaxima)) + services.length;
  const nodesForPods = ceil(pods / slotsPerNode(type.maxPods));
  const nodes = Math.max(NODES_AT_REST, nodesForCpu, nodesForPods);
  const binds =
    nodes === nodesForCpu ? "node CPU" : nodes === nodesForPods ? "pods per node" : "minimum size";
  const credits = burstCost(type, nodes, perNodeRps, requiredRps);
  const surplusShare = credits ? creditlessShare(nodes, credits.bankHours, request.peakHours) : 0;
  return {
    type,
    perNodeRps,
    nodesForCpu,
    nodesForPods,
    nodes,
    binds,
    usdPerHour: nodes * (type.hourlyUsd + (credits?.surplusUsdPerNodeHour ?? 0) * surplusShare),
    credits,
  };
}

function burstCost(
  type: InstanceType,
  nodes: number,
  perNodeRps: number,
  requiredRps: number,
): Candidate["credits"] {
  const burst = type.burst;
  if (!burst) return null;
  const utilization = Math.min(1, requiredRps / (nodes * perNodeRps));
  const overBaseline = utilization - burst.baselinePerVcpu;
  if (overBaseline <= 0) return null;
  return {
    utilization,
    bankHours: burst.maxBanked / (type.vcpus * 60 * overBaseline),
    surplusUsdPerNodeHour: type.vcpus * overBaseline * burst.surplusUsdPerVcpuHour,
  };
}

/** Share of node-hours of the peak billed for surplus credits: new nodes all of it. */
function creditlessShare(nodes: number, bankHours: number, peakHours: number): number {
  const banked = Math.min(NODES_AT_REST, nodes);
  const bankedShare = Math.max(0, 1 - bankHours / peakHours);
  return (banked * bankedShare + (nodes - banked)) / nodes;
}

/** Whole numbers as they are, others to one decimal. */
export function num(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
