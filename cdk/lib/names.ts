/**
 * Names fixed by the deployment contract; the Helm charts and scripts refer to them. The
 * services, the queue and the tables are the platform's topology and come from there.
 */
import {
  DATABASE_SERVICES,
  type DatabaseService,
  REGION,
  SERVICE_NAMES,
  type ServiceName,
  type SharedSecret,
  TOPOLOGY,
} from "../../services/shared/topology.ts";

export { DATABASE_SERVICES, type DatabaseService, REGION, type ServiceName };
export const SERVICES = SERVICE_NAMES;

export const AVAILABILITY_ZONES = { a: "us-east-1a", b: "us-east-1b" } as const;
export type ZoneKey = keyof typeof AVAILABILITY_ZONES;

export const PROJECT_TAG = { key: "project", value: "toggle" } as const;

export const VPC_NAME = "toggle-vpc";
export const CLUSTER_NAME = "toggle-cluster";
export const NODE_GROUP_NAME = "toggle-node-group";
export const REDIS_CLUSTER_NAME = "redis-evaluation";

export function repositoryName(service: ServiceName): string {
  return `toggle-master/${service}`;
}

/** The Kubernetes service account each service runs as: the name its IAM role trusts. */
export const serviceAccountName = (service: ServiceName) => `${service}-service`;

/** The secrets the services share (master key, JWT secret, service key), each once. */
export const SHARED_SECRETS: readonly SharedSecret[] = [
  ...new Set(
    SERVICES.flatMap((service) =>
      Object.values(TOPOLOGY[service].env).flatMap((wiring) =>
        wiring.from === "secret" ? [wiring.secret] : [],
      ),
    ),
  ),
];

/** Services that talk to AWS, so their service accounts receive IAM roles (IRSA). */
export const AWS_SERVICES = SERVICES.filter((service) => TOPOLOGY[service].aws);

/** Cluster Autoscaler's service account, which its IAM role trusts. */
export const CLUSTER_AUTOSCALER_ACCOUNT = {
  namespace: "kube-system",
  name: "cluster-autoscaler",
} as const;

/**
 * The account External Secrets Operator signs in as (in the services' namespace) to read
 * the Secrets Manager secrets; its IAM role trusts only it.
 */
export const SECRETS_READER_ACCOUNT = "toggle-secrets";

/**
 * Tags Cluster Autoscaler discovers the node group's Auto Scaling group by. EKS puts them on
 * the group it creates; the IAM policy only lets the autoscaler resize groups that carry them.
 */
export const AUTOSCALER_DISCOVERY_TAGS = {
  "k8s.io/cluster-autoscaler/enabled": "true",
  [`k8s.io/cluster-autoscaler/${CLUSTER_NAME}`]: "owned",
} as const;
