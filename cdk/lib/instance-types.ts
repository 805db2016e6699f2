/**
 * Instance types the node group may run, with what sizing needs to know about each: the
 * capacity model compares them, the settings check `-c instanceType` against them.
 * Prices are us-east-1 on-demand Linux list prices when this was written; recheck before
 * committing to a plan.
 */
export type Architecture = "x86_64" | "arm64";

export interface BurstCredits {
  /** Share of each vCPU the instance may use forever without spending credits. */
  baselinePerVcpu: number;
  /** Credits earned per hour; one credit is one vCPU at 100 % for one minute. */
  earnedPerHour: number;
  /** The most credits the instance can bank (24 hours of earnings). */
  maxBanked: number;
  /** What "unlimited" mode bills per vCPU-hour above the baseline once the bank is empty. */
  surplusUsdPerVcpuHour: number;
}

export interface InstanceType {
  name: string;
  architecture: Architecture;
  vcpus: number;
  memoryGiB: number;
  /**
   * Pods one node can run with the VPC CNI: ENIs × (IPv4 addresses per ENI − 1) + 2, the
   * value EKS passes to the kubelet as --max-pods.
   */
  maxPods: number;
  hourlyUsd: number;
  /** Present for burstable (t3/t4g) types. */
  burst?: BurstCredits;
}

const t3Credits = (
  baselinePerVcpu: number,
  earnedPerHour: number,
  surplusUsdPerVcpuHour: number,
): BurstCredits => ({
  baselinePerVcpu,
  earnedPerHour,
  maxBanked: earnedPerHour * 24,
  surplusUsdPerVcpuHour,
});

const type = (
  name: string,
  architecture: Architecture,
  vcpus: number,
  memoryGiB: number,
  maxPods: number,
  hourlyUsd: number,
  burst?: BurstCredits,
): InstanceType => ({ name, architecture, vcpus, memoryGiB, maxPods, hourlyUsd, burst });

export const INSTANCE_TYPES: readonly InstanceType[] = [
  type("t3.medium", "x86_64", 2, 4, 17, 0.0416, t3Credits(0.2, 24, 0.05)),
  type("t3.large", "x86_64", 2, 8, 35, 0.0832, t3Credits(0.3, 36, 0.05)),
  type("t3.xlarge", "x86_64", 4, 16, 58, 0.1664, t3Credits(0.4, 96, 0.05)),
  type("c7i.large", "x86_64", 2, 4, 29, 0.08925),
  type("m7i.large", "x86_64", 2, 8, 29, 0.1008),
  type("t4g.medium", "arm64", 2, 4, 17, 0.0336, t3Credits(0.2, 24, 0.04)),
  type("t4g.large", "arm64", 2, 8, 35, 0.0672, t3Credits(0.3, 36, 0.04)),
  type("c7g.large", "arm64", 2, 4, 29, 0.0725),
  type("c7g.xlarge", "arm64", 4, 8, 58, 0.145),
  type("m7g.large", "arm64", 2, 8, 29, 0.0816),
  type("m7g.xlarge", "arm64", 4, 16, 58, 0.1632),
];

export function instanceType(name: string): InstanceType {
  const found = INSTANCE_TYPES.find((candidate) => candidate.name === name);
  if (found === undefined) {
    const known = INSTANCE_TYPES.map((candidate) => candidate.name).join(", ");
    throw new Error(`unknown instance type '${name}'; known: ${known}`);
  }
  return found;
}
