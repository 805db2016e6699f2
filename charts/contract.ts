/**
 * What the deployment of each service must provide, from the specification and the
 * services' own contract. The checks compare rendered manifests against it.
 */
export interface ServiceContract {
  port: number;
  /** Settings the ConfigMap must hold in every environment. */
  plainEnv: string[];
  /** Settings present on KIND only (LocalStack endpoint). */
  kindOnlyEnv: string[];
  /** Settings that must come from a Secret. */
  secretEnv: string[];
  /** Ingress path prefixes routed to the service. */
  routes: string[];
  /** Services allowed to call it, besides the ingress controller. */
  clients: string[];
  replicas: { min: number; max: number };
  probes: ProbeContract;
}

interface ProbeExpectation {
  path: string;
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface ProbeContract {
  startup: ProbeExpectation;
  readiness: ProbeExpectation;
  liveness: ProbeExpectation;
}

const standardProbes: ProbeContract = {
  startup: { path: "/health" },
  readiness: { path: "/health/ready" },
  liveness: { path: "/health" },
};

/** Never written as a plain value anywhere. */
export const secretVariables = ["DATABASE_URL", "MASTER_KEY", "JWT_SECRET", "SERVICE_API_KEY"];

export const contract: Record<string, ServiceContract> = {
  auth: {
    port: 8001,
    plainEnv: ["PORT", "LOG_LEVEL"],
    kindOnlyEnv: [],
    secretEnv: ["DATABASE_URL", "MASTER_KEY", "JWT_SECRET"],
    routes: ["/admin", "/validate", "/token"],
    clients: ["flag", "targeting", "evaluation", "analytics"],
    replicas: { min: 1, max: 3 },
    probes: standardProbes,
  },
  flag: {
    port: 8002,
    plainEnv: ["PORT", "AUTH_SERVICE_URL", "REDIS_URL"],
    kindOnlyEnv: [],
    secretEnv: ["DATABASE_URL", "JWT_SECRET"],
    routes: ["/flags"],
    clients: ["evaluation"],
    replicas: { min: 1, max: 3 },
    probes: standardProbes,
  },
  targeting: {
    port: 8003,
    plainEnv: ["PORT", "AUTH_SERVICE_URL", "REDIS_URL"],
    kindOnlyEnv: [],
    secretEnv: ["DATABASE_URL", "JWT_SECRET"],
    routes: ["/rules"],
    clients: ["evaluation"],
    replicas: { min: 1, max: 3 },
    probes: standardProbes,
  },
  evaluation: {
    port: 8004,
    plainEnv: [
      "PORT",
      "REDIS_URL",
      "AUTH_SERVICE_URL",
      "FLAG_SERVICE_URL",
      "TARGETING_SERVICE_URL",
      "AWS_SQS_URL",
      "AWS_REGION",
    ],
    kindOnlyEnv: ["AWS_ENDPOINT_URL"],
    secretEnv: ["SERVICE_API_KEY", "JWT_SECRET"],
    routes: ["/evaluate", "/ofrep"],
    clients: [],
    replicas: { min: 2, max: 10 },
    probes: standardProbes,
  },
  analytics: {
    port: 8005,
    plainEnv: [
      "PORT",
      "AUTH_SERVICE_URL",
      "AWS_SQS_URL",
      "AWS_DYNAMODB_TABLE",
      "AWS_DYNAMODB_COUNTERS_TABLE",
      "AWS_REGION",
    ],
    kindOnlyEnv: ["AWS_ENDPOINT_URL"],
    secretEnv: ["JWT_SECRET"],
    routes: ["/analytics"],
    clients: [],
    replicas: { min: 1, max: 3 },
    // Specification section 2.6, exactly.
    probes: {
      startup: { path: "/health/startup", periodSeconds: 5, failureThreshold: 30 },
      readiness: {
        path: "/health/ready",
        initialDelaySeconds: 5,
        periodSeconds: 10,
        failureThreshold: 3,
      },
      liveness: {
        path: "/health/live",
        initialDelaySeconds: 15,
        periodSeconds: 10,
        failureThreshold: 3,
      },
    },
  },
};

/** Services with a PostgreSQL database of their own. */
export const databaseServices = ["auth", "flag", "targeting"] as const;

/** Services whose pods reach AWS with an IAM role on EKS. */
export const awsServices = ["evaluation", "analytics"];

/** Namespace and ServiceAccount names (`<service>-service`) the EKS stack's IAM roles trust. */
export const namespace = "togglemaster";
export const serviceAccountName = (service: string) => `${service}-service`;
