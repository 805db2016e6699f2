/**
 * The infrastructure values of each environment, one shape for both: KIND's fixed ones
 * (environments/kind.outputs.yaml) and the example of what cdk/scripts/helmfile-values.ts
 * writes for EKS (environments/eks.outputs.example.yaml). Both files are generated.
 */
import { CLUSTER_NAME, DATABASE_SERVICES, SHARED_SECRETS } from "../cdk/lib/names.ts";
import { EXAMPLE_OUTPUTS } from "../cdk/scripts/example-outputs.ts";
import { type HelmfileValues, toHelmfileValues } from "../cdk/scripts/helmfile-values.ts";
import { QUEUE, REGION, TABLES, type TableName } from "../services/shared/topology.ts";
import type { Backend, BackendEgress, EgressRule } from "./contract.ts";
import { BACKEND_COMPONENT, BACKEND_PORTS } from "./src/kind-backends.ts";
import { PART_OF } from "./src/toggle-service.ts";

/** KIND's values add the AWS emulator (LocalStack), which accepts any credentials. */
export interface KindValues extends HelmfileValues {
  aws: { endpointUrl: string; accessKeyId: string; secretAccessKey: string };
}

const LOCALSTACK = `http://localstack:${BACKEND_PORTS.aws}`;
/** The account id LocalStack puts in its queue URLs. */
const LOCALSTACK_ACCOUNT = "000000000000";

const toBackendPods = (backend: Backend): EgressRule[] => [
  {
    to: [
      {
        podSelector: {
          matchLabels: { "app.kubernetes.io/component": BACKEND_COMPONENT[backend], ...PART_OF },
        },
      },
    ],
    ports: [{ protocol: "TCP", port: BACKEND_PORTS[backend] }],
  },
];

export function kindOutputs(): KindValues {
  const backendEgress = Object.fromEntries(
    (Object.keys(BACKEND_PORTS) as Backend[]).map((backend) => [backend, toBackendPods(backend)]),
  ) as BackendEgress;
  return {
    region: REGION,
    image: { registry: "" },
    databases: Object.fromEntries(
      DATABASE_SERVICES.map((service) => [
        service,
        { host: `postgres-${service}`, port: BACKEND_PORTS.database, secretArn: "" },
      ]),
    ) as KindValues["databases"],
    redis: { host: "redis", port: BACKEND_PORTS.redis },
    sqs: { queueUrl: `${LOCALSTACK}/${LOCALSTACK_ACCOUNT}/${QUEUE.name}` },
    dynamodb: {
      tables: Object.fromEntries(
        (Object.keys(TABLES) as TableName[]).map((table) => [table, TABLES[table].name]),
      ) as Record<TableName, string>,
    },
    awsCredentials: "static",
    serviceAccountRoles: {},
    externalSecrets: {
      enabled: false,
      sharedSecrets: Object.fromEntries(
        SHARED_SECRETS.map((secret) => [secret, ""]),
      ) as KindValues["externalSecrets"]["sharedSecrets"],
    },
    tls: { certificateArn: "" },
    backendEgress,
    cluster: { name: CLUSTER_NAME },
    aws: { endpointUrl: LOCALSTACK, accessKeyId: "test", secretAccessKey: "test" },
  };
}

export const eksExampleOutputs = (): HelmfileValues => toHelmfileValues(EXAMPLE_OUTPUTS);
