/**
 * What the deployment of each service must provide. Its wiring (port, routes, settings,
 * secrets, who calls whom, which backends it uses) comes from the platform's topology; the
 * rest is this deployment's policy (replicas, probes, resources, shutdown). The values files
 * are generated from it and the checks compare rendered manifests against it.
 */
import type {
  INetworkPolicyPeer,
  INetworkPolicyPort,
} from "kubernetes-models/networking.k8s.io/v1";
import { AWS_SERVICES, DATABASE_SERVICES, serviceAccountName } from "../cdk/lib/names.ts";
import { DEFAULT_SETTINGS } from "../cdk/lib/settings.ts";
import {
  clientsOf,
  isSecretWiring,
  SERVICE_NAMES,
  type ServiceName,
  TOPOLOGY,
  type Wiring,
} from "../services/shared/topology.ts";

/** Namespace and ServiceAccount names (`<service>-service`) the EKS stack's IAM roles trust. */
export const namespace = DEFAULT_SETTINGS.serviceNamespace;
export { serviceAccountName };
export const databaseServices = DATABASE_SERVICES;
export const awsServices: readonly ServiceName[] = AWS_SERVICES;

/** Routes only operators use; never on the public ingress (charts/README.md, "Admin access"). */
export const ADMIN_ROUTES = ["/admin"];

/** The Secret a service's secret settings live in; each key is named after its variable. */
export const secretName = (service: ServiceName) => `toggle-${service}`;

/** What a service reaches outside the cluster's services; environments say where each is. */
export type Backend = "database" | "redis" | "aws";
export interface EgressRule {
  to: INetworkPolicyPeer[];
  ports: INetworkPolicyPort[];
}
/** Per backend, the egress rules that reach it in one environment. */
export type BackendEgress = Record<Backend, EgressRule[]>;

interface ProbeExpectation {
  path: string;
  initialDelaySeconds: number;
  periodSeconds: number;
  failureThreshold: number;
  /** Always explicit: the default of 1 s fails probes on a busy node. */
  timeoutSeconds: number;
}

export interface ProbeContract {
  startup: ProbeExpectation;
  readiness: ProbeExpectation;
  liveness: ProbeExpectation;
}

interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

interface Policy {
  replicas: { min: number; max: number };
  resources: Resources;
  /** The longest the service takes after SIGTERM to finish what it holds. */
  shutdownSeconds: number;
  probes: ProbeContract;
  /** Why a drain may take its only replica away; required when the minimum is one. */
  singleReplicaReason?: string;
}

export interface ServiceContract extends Policy {
  port: number;
  /** Settings the ConfigMap must hold in every environment. */
  plainEnv: string[];
  /** Settings present on KIND only (the AWS emulator's endpoint). */
  kindOnlyEnv: string[];
  /** Settings that must come from the service's Secret. */
  secretEnv: string[];
  /** Path prefixes on the public ingress. */
  publicRoutes: string[];
  /** Path prefixes kept off the public ingress. */
  adminRoutes: string[];
  /** Services allowed to call it, besides the ingress controller. */
  clients: ServiceName[];
  /** Services it calls, with their ports. */
  peers: { service: ServiceName; port: number }[];
  backends: Backend[];
  /** Pods a voluntary disruption (drain, scale-down) must leave running. */
  minAvailable: number;
  /** Seconds a terminating pod keeps serving while endpoints are withdrawn. */
  preStopSeconds: number;
  terminationGracePeriodSeconds: number;
}

/**
 * How long the endpoints of a terminating pod take to leave kube-proxy and the ingress
 * controller: the pod keeps serving meanwhile, so no request meets a closed socket.
 */
export const PRE_STOP_SECONDS = 5;
/** Slack after preStop and shutdown before the kubelet kills the container. */
const GRACE_MARGIN_SECONDS = 5;

const probes = (
  paths: Record<keyof ProbeContract, string> = {
    startup: "/health",
    readiness: "/health/ready",
    liveness: "/health",
  },
): ProbeContract => ({
  // Specification section 2.6: startup 5 s × 30, readiness 5 s then 10 s × 3, liveness 15 s then 10 s × 3.
  startup: {
    path: paths.startup,
    initialDelaySeconds: 0,
    periodSeconds: 5,
    failureThreshold: 30,
    timeoutSeconds: 2,
  },
  readiness: {
    path: paths.readiness,
    initialDelaySeconds: 5,
    periodSeconds: 10,
    failureThreshold: 3,
    timeoutSeconds: 2,
  },
  liveness: {
    path: paths.liveness,
    initialDelaySeconds: 15,
    periodSeconds: 10,
    failureThreshold: 3,
    timeoutSeconds: 3,
  },
});

const smallService: Resources = {
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { cpu: "500m", memory: "256Mi" },
};

/** Auth and the management path (flag, targeting) keep two replicas through a drain. */
const POLICY: Record<ServiceName, Policy> = {
  auth: {
    replicas: { min: 2, max: 3 },
    resources: smallService,
    shutdownSeconds: 2,
    probes: probes(),
  },
  flag: {
    replicas: { min: 2, max: 3 },
    resources: smallService,
    shutdownSeconds: 2,
    probes: probes(),
  },
  targeting: {
    replicas: { min: 2, max: 3 },
    resources: smallService,
    shutdownSeconds: 2,
    probes: probes(),
  },
  evaluation: {
    replicas: { min: 2, max: 10 },
    resources: {
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "1", memory: "256Mi" },
    },
    // Flushes its buffered events to SQS for up to 5 s on SIGTERM.
    shutdownSeconds: 5,
    probes: probes(),
  },
  analytics: {
    replicas: { min: 1, max: 3 },
    resources: smallService,
    // Stores the messages it holds for up to 5 s on SIGTERM.
    shutdownSeconds: 5,
    probes: probes({
      startup: "/health/startup",
      readiness: "/health/ready",
      liveness: "/health/live",
    }),
    singleReplicaReason:
      "a queue consumer: while its pod moves, SQS keeps the events and the next pod stores them",
  },
};

const peersOf = (service: ServiceName) =>
  TOPOLOGY[service].peers.map((peer) => ({ service: peer, port: TOPOLOGY[peer].port }));

function backendsOf(service: ServiceName): Backend[] {
  const wirings: Wiring[] = Object.values(TOPOLOGY[service].env);
  const uses = (from: Wiring["from"]) => wirings.some((wiring) => wiring.from === from);
  return [
    ...(uses("database") ? (["database"] as const) : []),
    ...(uses("redis") ? (["redis"] as const) : []),
    ...(TOPOLOGY[service].aws ? (["aws"] as const) : []),
  ];
}

function serviceContract(service: ServiceName): ServiceContract {
  const topology = TOPOLOGY[service];
  const policy = POLICY[service];
  const wired = Object.entries(topology.env);
  return {
    ...policy,
    port: topology.port,
    plainEnv: [
      "PORT",
      "LOG_LEVEL",
      ...wired.filter(([, wiring]) => !isSecretWiring(wiring)).map(([name]) => name),
    ],
    kindOnlyEnv: topology.aws ? ["AWS_ENDPOINT_URL"] : [],
    secretEnv: wired.filter(([, wiring]) => isSecretWiring(wiring)).map(([name]) => name),
    publicRoutes: topology.routes.filter((route) => !ADMIN_ROUTES.includes(route)),
    adminRoutes: topology.routes.filter((route) => ADMIN_ROUTES.includes(route)),
    clients: clientsOf(service),
    peers: peersOf(service),
    backends: backendsOf(service),
    minAvailable: policy.replicas.min > 1 ? 1 : 0,
    preStopSeconds: PRE_STOP_SECONDS,
    terminationGracePeriodSeconds: PRE_STOP_SECONDS + policy.shutdownSeconds + GRACE_MARGIN_SECONDS,
  };
}

export const contract: Record<ServiceName, ServiceContract> = Object.fromEntries(
  SERVICE_NAMES.map((service) => [service, serviceContract(service)]),
) as Record<ServiceName, ServiceContract>;

/** Never written as a plain value anywhere. */
export const secretVariables = [
  ...new Set(SERVICE_NAMES.flatMap((service) => contract[service].secretEnv)),
];
