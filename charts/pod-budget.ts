/**
 * Whether the platform's pods fit the node group. EKS gives each node a fixed number of pods
 * (the VPC CNI's limit: 17 on a t3.medium, whatever its CPU and memory); the DaemonSets take
 * one each per node, and the rest share what is left:
 *
 *   nodes × (max pods − DaemonSet pods) ≥ platform pods + service pods + one surge pod per service
 *
 * The capacity model (k6/capacity) plans with the same arithmetic.
 */
import { SERVICE_NAMES, type ServiceName } from "../services/shared/topology.ts";
import { contract } from "./contract.ts";

/**
 * Pods every EKS node runs: the VPC CNI (aws-node, which also carries the network policy
 * agent), kube-proxy and the ingress controller (a DaemonSet, values/ingress-nginx.eks.yaml).
 */
export const DAEMON_SET_PODS = ["aws-node", "kube-proxy", "ingress-nginx-controller"] as const;

/** Cluster pods outside the services, at the replica counts their values files set. */
export const PLATFORM_PODS = {
  /** The EKS default add-on. */
  coredns: 2,
  "metrics-server": 2,
  "cluster-autoscaler": 1,
  "external-secrets": 1,
} as const;

/** Pods a rolling update adds per service (its maxSurge). */
export const SURGE_PODS_PER_SERVICE = 1;

export interface PodBudget {
  /** Pod slots the services and platform pods share. */
  slots: number;
  platform: number;
  services: number;
  surge: number;
  used: number;
  fits: boolean;
}

export type Replicas = Record<ServiceName, number>;

export const minReplicas = (): Replicas =>
  Object.fromEntries(SERVICE_NAMES.map((s) => [s, contract[s].replicas.min])) as Replicas;

export const maxReplicas = (): Replicas =>
  Object.fromEntries(SERVICE_NAMES.map((s) => [s, contract[s].replicas.max])) as Replicas;

/** The budget of `nodes` nodes of `maxPods` pods each, running `replicas` mid-rollout. */
export function podBudget(nodes: number, maxPods: number, replicas: Replicas): PodBudget {
  const slots = nodes * (maxPods - DAEMON_SET_PODS.length);
  const platform = Object.values(PLATFORM_PODS).reduce((sum, pods) => sum + pods, 0);
  const services = Object.values(replicas).reduce((sum, pods) => sum + pods, 0);
  const surge = SERVICE_NAMES.length * SURGE_PODS_PER_SERVICE;
  const used = platform + services + surge;
  return { slots, platform, services, surge, used, fits: used <= slots };
}

/** Pods one node leaves for the services and platform pods. */
export const slotsPerNode = (maxPods: number) => maxPods - DAEMON_SET_PODS.length;
