import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { QUEUE, TABLES } from "../../services/shared/topology.ts";
import { stackTemplates, synthesizeTemplates } from "../lib/synthesize.ts";
import { EXAMPLE_OUTPUTS, labRoleOutputs } from "./example-outputs.ts";
import { renderValues, toHelmfileValues, writeHelmfileValues } from "./helmfile-values.ts";

const values = toHelmfileValues(EXAMPLE_OUTPUTS);
const outputs = new Map(Object.values(EXAMPLE_OUTPUTS).flatMap((stack) => Object.entries(stack)));
const output = (key: string): string => {
  const value = outputs.get(key);
  if (value === undefined) throw new Error(`the example has no output ${key}`);
  return value;
};

describe("toHelmfileValues", () => {
  test("maps the deploy outputs onto the eks values shape", () => {
    expect(values.region).toBe("us-east-1");
    expect(values.image).toEqual({ registry: output("ImageRegistry") });
    expect(values.databases.targeting).toEqual({
      host: output("TargetingDatabaseHost"),
      port: 5432,
      secretArn: output("TargetingDatabaseSecretArn"),
    });
    expect(values.redis).toEqual({ host: output("RedisHost"), port: 6379 });
    expect(values.sqs.queueUrl).toEndWith(`/${QUEUE.name}`);
    expect(values.dynamodb.tables).toEqual({
      events: TABLES.events.name,
      counters: TABLES.counters.name,
    });
    expect(values.cluster).toEqual({ name: "toggle-cluster" });
    expect(values.tls.certificateArn).toBe(output("CertificateArn"));
  });

  test("default mode: IRSA roles for the services and the platform, External Secrets on", () => {
    expect(values.awsCredentials).toBe("irsa");
    expect(values.serviceAccountRoles).toEqual({
      evaluation: output("EvaluationServiceAccountRoleArn"),
      analytics: output("AnalyticsServiceAccountRoleArn"),
      clusterAutoscaler: output("ClusterAutoscalerRoleArn"),
      secretsReader: output("SecretsReaderRoleArn"),
    });
    expect(values.externalSecrets).toEqual({
      enabled: true,
      sharedSecrets: {
        masterKey: output("MasterKeySecretArn"),
        jwtSecret: output("JwtSecretSecretArn"),
        serviceApiKey: output("ServiceApiKeySecretArn"),
      },
    });
  });

  test("pods reach RDS and Redis inside the VPC and AWS APIs over HTTPS only", () => {
    const vpc = [{ ipBlock: { cidr: "10.0.0.0/16" } }];
    expect(values.backendEgress).toEqual({
      database: [{ to: vpc, ports: [{ protocol: "TCP", port: 5432 }] }],
      redis: [{ to: vpc, ports: [{ protocol: "TCP", port: 6379 }] }],
      aws: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] }],
    });
  });

  test("LabRole mode: node-role credentials through the metadata service, no External Secrets", () => {
    const lab = toHelmfileValues(labRoleOutputs());
    expect(lab.awsCredentials).toBe("node-role");
    expect(Object.values(lab.serviceAccountRoles).every((role) => role === "")).toBe(true);
    expect(lab.externalSecrets.enabled).toBe(false);
    expect(lab.backendEgress.aws).toContainEqual({
      to: [{ ipBlock: { cidr: "169.254.169.254/32" } }],
      ports: [{ protocol: "TCP", port: 80 }],
    });
  });

  test("without a certificate the charts get an empty one (plain HTTP)", () => {
    const { CertificateArn: _certificate, ...cluster } = EXAMPLE_OUTPUTS.ToggleCluster ?? {};
    expect(toHelmfileValues({ ...EXAMPLE_OUTPUTS, ToggleCluster: cluster }).tls).toEqual({
      certificateArn: "",
    });
  });

  test("a missing output is named in the error", () => {
    const { RedisHost: _host, ...data } = EXAMPLE_OUTPUTS.ToggleData ?? {};
    expect(() => toHelmfileValues({ ...EXAMPLE_OUTPUTS, ToggleData: data })).toThrow("'RedisHost'");
  });

  test("a port that is not a number is refused", () => {
    const data = { ...EXAMPLE_OUTPUTS.ToggleData, RedisPort: "six" };
    expect(() => toHelmfileValues({ ...EXAMPLE_OUTPUTS, ToggleData: data })).toThrow("'RedisPort'");
  });

  test("the rendered YAML keeps the keys in the documented order", () => {
    const topLevelKeys = renderValues(values).match(/^[a-zA-Z]+(?=:)/gm);
    expect(topLevelKeys).toEqual([
      "region",
      "image",
      "databases",
      "redis",
      "sqs",
      "dynamodb",
      "awsCredentials",
      "serviceAccountRoles",
      "externalSecrets",
      "tls",
      "backendEgress",
      "cluster",
    ]);
  });
});

describe("writeHelmfileValues", () => {
  const workDir = mkdtemp(join(tmpdir(), "helmfile-values-"));
  afterAll(async () => rm(await workDir, { recursive: true, force: true }));

  test("reads an outputs file and writes parseable YAML, creating folders", async () => {
    const dir = await workDir;
    const outputsPath = join(dir, "outputs.json");
    const valuesPath = join(dir, "environments", "eks.outputs.yaml");
    await Bun.write(outputsPath, JSON.stringify(EXAMPLE_OUTPUTS));
    await writeHelmfileValues(outputsPath, valuesPath);
    expect(parse(await Bun.file(valuesPath).text())).toEqual(values);
  });
});

describe.each([
  ["default mode", undefined, EXAMPLE_OUTPUTS],
  ["labRole mode", "LabRole", labRoleOutputs()],
])("stack outputs, %s", (_mode, labRole, outputs) => {
  const certificateArn = EXAMPLE_OUTPUTS.ToggleCluster?.CertificateArn;
  const templates = synthesizeTemplates({ labRole, certificateArn });
  const outputKeys = new Set(
    stackTemplates(templates).flatMap((template) => Object.keys(template.toJSON().Outputs ?? {})),
  );

  test("hold every output the script reads, and the example shows them all", () => {
    const readByScript = Object.values(outputs).flatMap((stack) => Object.keys(stack));
    expect(readByScript.filter((key) => !outputKeys.has(key))).toEqual([]);
    // Each stack output the example lacks would be a value no test renders with (the
    // CloudFormation exports between stacks are not for the charts).
    const unread = [...outputKeys].filter(
      (key) => !readByScript.includes(key) && !key.startsWith("ExportsOutput"),
    );
    expect(unread.sort()).toEqual([
      "AnalyticsDeadLetterQueueUrl",
      "AnalyticsQueueArn",
      "CountersTableArn",
      "EventsTableArn",
    ]);
  });
});
