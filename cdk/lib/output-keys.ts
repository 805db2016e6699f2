import type { SharedSecret, TableName } from "../../services/shared/topology.ts";
import type { DatabaseService, ServiceName } from "./names.ts";

/**
 * Stack output names. `cdk deploy --outputs-file` keys its JSON by them and
 * scripts/helmfile-values.ts reads them back, so both sides import this module.
 */
export const OutputKeys = {
  region: "Region",
  clusterName: "ClusterName",
  vpcCidr: "VpcCidr",
  certificateArn: "CertificateArn",
  imageRegistry: "ImageRegistry",
  repositoryUri: (service: ServiceName) => `RepositoryUri${capitalize(service)}`,
  databaseHost: (service: DatabaseService) => `${capitalize(service)}DatabaseHost`,
  databasePort: (service: DatabaseService) => `${capitalize(service)}DatabasePort`,
  databaseSecretArn: (service: DatabaseService) => `${capitalize(service)}DatabaseSecretArn`,
  sharedSecretArn: (secret: SharedSecret) => `${capitalize(secret)}SecretArn`,
  redisHost: "RedisHost",
  redisPort: "RedisPort",
  queueUrl: "AnalyticsQueueUrl",
  queueArn: "AnalyticsQueueArn",
  deadLetterQueueUrl: "AnalyticsDeadLetterQueueUrl",
  tableName: (table: TableName) => `${capitalize(table)}TableName`,
  tableArn: (table: TableName) => `${capitalize(table)}TableArn`,
  serviceAccountRoleArn: (service: ServiceName) => `${capitalize(service)}ServiceAccountRoleArn`,
  clusterAutoscalerRoleArn: "ClusterAutoscalerRoleArn",
  secretsReaderRoleArn: "SecretsReaderRoleArn",
} as const;

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
