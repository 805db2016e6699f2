import type { DatabaseService, ServiceName } from "./names.ts";

/**
 * Stack output names. `cdk deploy --outputs-file` keys its JSON by them and
 * scripts/helmfile-values.ts reads them back, so both sides import this module.
 */
export const OutputKeys = {
  region: "Region",
  clusterName: "ClusterName",
  imageRegistry: "ImageRegistry",
  repositoryUri: (service: ServiceName) => `RepositoryUri${capitalize(service)}`,
  databaseHost: (service: DatabaseService) => `${capitalize(service)}DatabaseHost`,
  databasePort: (service: DatabaseService) => `${capitalize(service)}DatabasePort`,
  databaseSecretArn: (service: DatabaseService) => `${capitalize(service)}DatabaseSecretArn`,
  redisHost: "RedisHost",
  redisPort: "RedisPort",
  queueUrl: "AnalyticsQueueUrl",
  queueArn: "AnalyticsQueueArn",
  deadLetterQueueUrl: "AnalyticsDeadLetterQueueUrl",
  eventsTableName: "EventsTableName",
  eventsTableArn: "EventsTableArn",
  countersTableName: "CountersTableName",
  countersTableArn: "CountersTableArn",
  evaluationRoleArn: "EvaluationServiceAccountRoleArn",
  analyticsRoleArn: "AnalyticsServiceAccountRoleArn",
} as const;

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
