/**
 * Turns `cdk deploy --all --outputs-file outputs.json` into the values file of the
 * helmfile `eks` environment.
 *
 *   bun cdk/scripts/helmfile-values.ts <outputs.json> [values.yaml]
 *
 * The values file defaults to charts/environments/eks.outputs.yaml.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import type { BackendEgress, EgressRule } from "../../charts/contract.ts";
import { type SharedSecret, TABLES, type TableName } from "../../services/shared/topology.ts";
import {
  AWS_SERVICES,
  DATABASE_SERVICES,
  type DatabaseService,
  SHARED_SECRETS,
} from "../lib/names.ts";
import { OutputKeys } from "../lib/output-keys.ts";

/** The outputs file: stack name → output name → value. */
export type DeployOutputs = Record<string, Record<string, string>>;

export interface DatabaseValues {
  host: string;
  port: number;
  secretArn: string;
}

/**
 * How the pods' AWS SDKs get credentials: an IAM role per service account (IRSA), the
 * node's instance role through the metadata service (LabRole mode), or the static emulator
 * keys (KIND).
 */
export type AwsCredentials = "irsa" | "node-role" | "static";

export interface HelmfileValues {
  region: string;
  image: { registry: string };
  databases: Record<DatabaseService, DatabaseValues>;
  redis: { host: string; port: number };
  sqs: { queueUrl: string };
  dynamodb: { tables: Record<TableName, string> };
  awsCredentials: AwsCredentials;
  /** IAM role ARN per service account (services by name, then the platform's own). */
  serviceAccountRoles: Record<string, string>;
  /** Secrets Manager secrets External Secrets Operator reads; off in LabRole mode. */
  externalSecrets: { enabled: boolean; sharedSecrets: Record<SharedSecret, string> };
  /** The certificate the load balancer terminates TLS with; empty for plain HTTP. */
  tls: { certificateArn: string };
  backendEgress: BackendEgress;
  cluster: { name: string };
}

export const DEFAULT_VALUES_PATH = join(
  import.meta.dir,
  "..",
  "..",
  "charts",
  "environments",
  "eks.outputs.yaml",
);

const ANYWHERE = "0.0.0.0/0";
const HTTPS_PORT = 443;
/** The EC2 instance metadata service, where node-role credentials come from. */
const INSTANCE_METADATA = { cidr: "169.254.169.254/32", port: 80 };

const toCidr = (cidr: string, port: number): EgressRule => ({
  to: [{ ipBlock: { cidr } }],
  ports: [{ protocol: "TCP", port }],
});

export function toHelmfileValues(outputs: DeployOutputs): HelmfileValues {
  // Output names are unique across stacks, so the stack that holds one does not matter.
  const flat = new Map(Object.values(outputs).flatMap((stack) => Object.entries(stack)));
  const optional = (key: string): string => flat.get(key) ?? "";
  const required = (key: string): string => {
    const value = flat.get(key);
    if (value === undefined || value === "") {
      throw new Error(`output '${key}' is missing from the cdk outputs file`);
    }
    return value;
  };
  const port = (key: string): number => {
    const value = Number(required(key));
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`output '${key}' is not a port number`);
    }
    return value;
  };
  const database = (service: DatabaseService): DatabaseValues => ({
    host: required(OutputKeys.databaseHost(service)),
    port: port(OutputKeys.databasePort(service)),
    secretArn: required(OutputKeys.databaseSecretArn(service)),
  });

  const databases = Object.fromEntries(
    DATABASE_SERVICES.map((service) => [service, database(service)]),
  ) as Record<DatabaseService, DatabaseValues>;
  const redis = { host: required(OutputKeys.redisHost), port: port(OutputKeys.redisPort) };
  const vpcCidr = required(OutputKeys.vpcCidr);
  // LabRole mode has no service-account roles: pods use the node role instead.
  const awsCredentials: AwsCredentials = flat.has(OutputKeys.serviceAccountRoleArn("evaluation"))
    ? "irsa"
    : "node-role";
  const sharedSecrets = Object.fromEntries(
    SHARED_SECRETS.map((secret) => [secret, optional(OutputKeys.sharedSecretArn(secret))]),
  ) as Record<SharedSecret, string>;

  return {
    region: required(OutputKeys.region),
    image: { registry: required(OutputKeys.imageRegistry) },
    databases,
    redis,
    sqs: { queueUrl: required(OutputKeys.queueUrl) },
    dynamodb: {
      tables: Object.fromEntries(
        (Object.keys(TABLES) as TableName[]).map((table) => [
          table,
          required(OutputKeys.tableName(table)),
        ]),
      ) as Record<TableName, string>,
    },
    awsCredentials,
    serviceAccountRoles: {
      ...Object.fromEntries(
        AWS_SERVICES.map((service) => [
          service,
          optional(OutputKeys.serviceAccountRoleArn(service)),
        ]),
      ),
      clusterAutoscaler: optional(OutputKeys.clusterAutoscalerRoleArn),
      secretsReader: optional(OutputKeys.secretsReaderRoleArn),
    },
    externalSecrets: {
      enabled: Object.values(sharedSecrets).every((arn) => arn !== ""),
      sharedSecrets,
    },
    tls: { certificateArn: optional(OutputKeys.certificateArn) },
    // RDS and ElastiCache sit in the VPC; SQS, DynamoDB and STS answer on public endpoints.
    backendEgress: {
      database: [...new Set(DATABASE_SERVICES.map((service) => databases[service].port))].map(
        (databasePort) => toCidr(vpcCidr, databasePort),
      ),
      redis: [toCidr(vpcCidr, redis.port)],
      aws: [
        toCidr(ANYWHERE, HTTPS_PORT),
        ...(awsCredentials === "node-role"
          ? [toCidr(INSTANCE_METADATA.cidr, INSTANCE_METADATA.port)]
          : []),
      ],
    },
    cluster: { name: required(OutputKeys.clusterName) },
  };
}

export function renderValues(values: HelmfileValues): string {
  return `# Generated from the cdk deploy outputs by cdk/scripts/helmfile-values.ts; do not edit.\n${stringify(values)}`;
}

export async function writeHelmfileValues(
  outputsPath: string,
  valuesPath: string = DEFAULT_VALUES_PATH,
): Promise<HelmfileValues> {
  const outputs = (await Bun.file(outputsPath).json()) as DeployOutputs;
  const values = toHelmfileValues(outputs);
  await mkdir(dirname(valuesPath), { recursive: true });
  await Bun.write(valuesPath, renderValues(values));
  return values;
}

if (import.meta.main) {
  const [outputsPath, valuesPath] = Bun.argv.slice(2);
  if (outputsPath === undefined) {
    console.error("usage: bun cdk/scripts/helmfile-values.ts <outputs.json> [values.yaml]");
    process.exit(2);
  }
  const target = valuesPath ?? DEFAULT_VALUES_PATH;
  await writeHelmfileValues(outputsPath, target);
  console.log(`wrote ${target}`);
}
