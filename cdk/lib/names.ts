/** Names fixed by the deployment contract; the Helm charts and scripts refer to them. */
export const REGION = "us-east-1";
export const AVAILABILITY_ZONES = { a: "us-east-1a", b: "us-east-1b" } as const;
export type ZoneKey = keyof typeof AVAILABILITY_ZONES;

export const PROJECT_TAG = { key: "project", value: "toggle" } as const;

export const VPC_NAME = "toggle-vpc";
export const CLUSTER_NAME = "toggle-cluster";
export const NODE_GROUP_NAME = "toggle-node-group";

export const SERVICES = ["auth", "flag", "targeting", "evaluation", "analytics"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Services that own a PostgreSQL database. */
export const DATABASE_SERVICES = ["auth", "flag", "targeting"] as const;
export type DatabaseService = (typeof DATABASE_SERVICES)[number];

export const REDIS_CLUSTER_NAME = "redis-evaluation";
export const ANALYTICS_QUEUE_NAME = "toggle-analytics-queue";
export const ANALYTICS_DEAD_LETTER_QUEUE_NAME = "toggle-analytics-queue-dlq";
export const EVENTS_TABLE_NAME = "analytics_events";
export const COUNTERS_TABLE_NAME = "analytics_counters";

export function repositoryName(service: ServiceName): string {
  return `toggle-master/${service}`;
}

/** Kubernetes service accounts that receive AWS permissions through IRSA. */
export const SERVICE_ACCOUNTS = {
  evaluation: "evaluation-service",
  analytics: "analytics-service",
} as const;
