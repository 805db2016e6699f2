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
import { DATABASE_SERVICES, type DatabaseService } from "../lib/names.ts";
import { OutputKeys } from "../lib/output-keys.ts";

/** The outputs file: stack name → output name → value. */
export type DeployOutputs = Record<string, Record<string, string>>;

export interface DatabaseValues {
  host: string;
  port: number;
  secretArn: string;
}

export interface HelmfileValues {
  region: string;
  image: { registry: string; tag: string };
  databases: Record<DatabaseService, DatabaseValues>;
  redis: { host: string; port: number };
  sqs: { queueUrl: string };
  dynamodb: { eventsTable: string; countersTable: string };
  serviceAccountRoles: { evaluation: string; analytics: string };
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

export function toHelmfileValues(outputs: DeployOutputs, imageTag = "latest"): HelmfileValues {
  // Output names are unique across stacks, so the stack that holds one does not matter.
  const flat = new Map(Object.values(outputs).flatMap((stack) => Object.entries(stack)));
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

  return {
    region: required(OutputKeys.region),
    image: { registry: required(OutputKeys.imageRegistry), tag: imageTag },
    databases: Object.fromEntries(
      DATABASE_SERVICES.map((service) => [service, database(service)]),
    ) as Record<DatabaseService, DatabaseValues>,
    redis: { host: required(OutputKeys.redisHost), port: port(OutputKeys.redisPort) },
    sqs: { queueUrl: required(OutputKeys.queueUrl) },
    dynamodb: {
      eventsTable: required(OutputKeys.eventsTableName),
      countersTable: required(OutputKeys.countersTableName),
    },
    // Absent in LabRole mode: pods then use the node role.
    serviceAccountRoles: {
      evaluation: flat.get(OutputKeys.evaluationRoleArn) ?? "",
      analytics: flat.get(OutputKeys.analyticsRoleArn) ?? "",
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
