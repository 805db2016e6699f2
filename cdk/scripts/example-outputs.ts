/**
 * What `cdk deploy --all --outputs-file` writes in default mode, with placeholder account,
 * hosts and ARNs. The tests read it, and charts/generate.ts turns it into the committed
 * charts/environments/eks.outputs.example.yaml the EKS releases are rendered with.
 */
import { QUEUE, REGION, TABLES, type TableName } from "../../services/shared/topology.ts";
import {
  AWS_SERVICES,
  CLUSTER_NAME,
  DATABASE_SERVICES,
  SERVICES,
  SHARED_SECRETS,
} from "../lib/names.ts";
import { OutputKeys } from "../lib/output-keys.ts";
import type { DeployOutputs } from "./helmfile-values.ts";

const ACCOUNT = "123456789012";
const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const secretArn = (name: string) =>
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const DATABASE_PORT = "5432";
const REDIS_PORT = "6379";

export const EXAMPLE_OUTPUTS: DeployOutputs = {
  ToggleNetwork: { [OutputKeys.vpcCidr]: "10.0.0.0/16" },
  ToggleCluster: {
    [OutputKeys.clusterName]: CLUSTER_NAME,
    [OutputKeys.region]: REGION,
    [OutputKeys.certificateArn]: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000`,
  },
  ToggleRegistry: {
    [OutputKeys.imageRegistry]: REGISTRY,
    ...Object.fromEntries(
      SERVICES.map((service) => [
        OutputKeys.repositoryUri(service),
        `${REGISTRY}/toggle-master/${service}`,
      ]),
    ),
  },
  ToggleData: {
    ...Object.fromEntries(
      DATABASE_SERVICES.flatMap((service) => [
        [
          OutputKeys.databaseHost(service),
          `toggle-${service}-db.c1a2b3c4d5e6.${REGION}.rds.amazonaws.com`,
        ],
        [OutputKeys.databasePort(service), DATABASE_PORT],
        [OutputKeys.databaseSecretArn(service), secretArn(`toggle-${service}-db`)],
      ]),
    ),
    ...Object.fromEntries(
      SHARED_SECRETS.map((secret) => [OutputKeys.sharedSecretArn(secret), secretArn(secret)]),
    ),
    [OutputKeys.redisHost]: "redis-evaluation.a1b2c3.0001.use1.cache.amazonaws.com",
    [OutputKeys.redisPort]: REDIS_PORT,
    [OutputKeys.queueUrl]: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${QUEUE.name}`,
    ...Object.fromEntries(
      (Object.keys(TABLES) as TableName[]).map((table) => [
        OutputKeys.tableName(table),
        TABLES[table].name,
      ]),
    ),
  },
  ToggleServiceAccounts: {
    ...Object.fromEntries(
      AWS_SERVICES.map((service) => [
        OutputKeys.serviceAccountRoleArn(service),
        roleArn(`toggle-${service}-sa`),
      ]),
    ),
    [OutputKeys.clusterAutoscalerRoleArn]: roleArn("toggle-cluster-autoscaler"),
    [OutputKeys.secretsReaderRoleArn]: roleArn("toggle-secrets-reader"),
  },
};

/** The same deployment in LabRole mode: no service-account roles, no shared secrets. */
export function labRoleOutputs(): DeployOutputs {
  const { ToggleServiceAccounts: _roles, ToggleData: data = {}, ...stacks } = EXAMPLE_OUTPUTS;
  const shared = new Set(SHARED_SECRETS.map((secret) => OutputKeys.sharedSecretArn(secret)));
  return {
    ...stacks,
    ToggleData: Object.fromEntries(Object.entries(data).filter(([key]) => !shared.has(key))),
  };
}
