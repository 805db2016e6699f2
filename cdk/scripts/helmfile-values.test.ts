import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { stackTemplates, synthesizeTemplates } from "../lib/synthesize.ts";
import {
  type DeployOutputs,
  type HelmfileValues,
  renderValues,
  toHelmfileValues,
  writeHelmfileValues,
} from "./helmfile-values.ts";

const ACCOUNT = "123456789012";
const secretArn = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-AbCdEf`;

/** What `cdk deploy --all --outputs-file` writes for the default mode. */
const SAMPLE_OUTPUTS: DeployOutputs = {
  ToggleCluster: { ClusterName: "toggle-cluster", Region: "us-east-1" },
  ToggleRegistry: {
    ImageRegistry: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`,
    RepositoryUriAuth: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/toggle-master/auth`,
  },
  ToggleData: {
    AuthDatabaseHost: "toggle-auth-db.abc.us-east-1.rds.amazonaws.com",
    AuthDatabasePort: "5432",
    AuthDatabaseSecretArn: secretArn("auth"),
    FlagDatabaseHost: "toggle-flag-db.abc.us-east-1.rds.amazonaws.com",
    FlagDatabasePort: "5432",
    FlagDatabaseSecretArn: secretArn("flag"),
    TargetingDatabaseHost: "toggle-targeting-db.abc.us-east-1.rds.amazonaws.com",
    TargetingDatabasePort: "5433",
    TargetingDatabaseSecretArn: secretArn("targeting"),
    RedisHost: "redis-evaluation.xyz.0001.use1.cache.amazonaws.com",
    RedisPort: "6379",
    AnalyticsQueueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/toggle-analytics-queue`,
    EventsTableName: "analytics_events",
    CountersTableName: "analytics_counters",
  },
  ToggleServiceAccounts: {
    EvaluationServiceAccountRoleArn: `arn:aws:iam::${ACCOUNT}:role/evaluation`,
    AnalyticsServiceAccountRoleArn: `arn:aws:iam::${ACCOUNT}:role/analytics`,
  },
};

const EXPECTED: HelmfileValues = {
  region: "us-east-1",
  image: { registry: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, tag: "latest" },
  databases: {
    auth: {
      host: "toggle-auth-db.abc.us-east-1.rds.amazonaws.com",
      port: 5432,
      secretArn: secretArn("auth"),
    },
    flag: {
      host: "toggle-flag-db.abc.us-east-1.rds.amazonaws.com",
      port: 5432,
      secretArn: secretArn("flag"),
    },
    targeting: {
      host: "toggle-targeting-db.abc.us-east-1.rds.amazonaws.com",
      port: 5433,
      secretArn: secretArn("targeting"),
    },
  },
  redis: { host: "redis-evaluation.xyz.0001.use1.cache.amazonaws.com", port: 6379 },
  sqs: { queueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/toggle-analytics-queue` },
  dynamodb: { eventsTable: "analytics_events", countersTable: "analytics_counters" },
  serviceAccountRoles: {
    evaluation: `arn:aws:iam::${ACCOUNT}:role/evaluation`,
    analytics: `arn:aws:iam::${ACCOUNT}:role/analytics`,
  },
  cluster: { name: "toggle-cluster" },
};

describe("toHelmfileValues", () => {
  test("maps the deploy outputs onto the eks values shape", () => {
    expect(toHelmfileValues(SAMPLE_OUTPUTS)).toEqual(EXPECTED);
  });

  test("LabRole mode leaves the service-account roles empty", () => {
    const { ToggleServiceAccounts: _roles, ...labOutputs } = SAMPLE_OUTPUTS;
    expect(toHelmfileValues(labOutputs).serviceAccountRoles).toEqual({
      evaluation: "",
      analytics: "",
    });
  });

  test("a missing output is named in the error", () => {
    const { RedisHost: _host, ...data } = SAMPLE_OUTPUTS.ToggleData ?? {};
    expect(() => toHelmfileValues({ ...SAMPLE_OUTPUTS, ToggleData: data })).toThrow("'RedisHost'");
  });

  test("a port that is not a number is refused", () => {
    const data = { ...SAMPLE_OUTPUTS.ToggleData, RedisPort: "six" };
    expect(() => toHelmfileValues({ ...SAMPLE_OUTPUTS, ToggleData: data })).toThrow("'RedisPort'");
  });

  test("the rendered YAML keeps the keys in the documented order", () => {
    const rendered = renderValues(EXPECTED);
    const topLevelKeys = rendered.match(/^[a-zA-Z]+(?=:)/gm);
    expect(topLevelKeys).toEqual([
      "region",
      "image",
      "databases",
      "redis",
      "sqs",
      "dynamodb",
      "serviceAccountRoles",
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
    await Bun.write(outputsPath, JSON.stringify(SAMPLE_OUTPUTS));
    await writeHelmfileValues(outputsPath, valuesPath);
    expect(parse(await Bun.file(valuesPath).text())).toEqual(EXPECTED);
  });
});

describe.each([
  ["default mode", undefined],
  ["labRole mode", "LabRole"],
])("stack outputs, %s", (_mode, labRole) => {
  const templates = synthesizeTemplates({ labRole });
  const outputKeys = new Set(
    stackTemplates(templates).flatMap((template) => Object.keys(template.toJSON().Outputs ?? {})),
  );

  test("hold every output the script reads", () => {
    const readByScript = Object.values(SAMPLE_OUTPUTS).flatMap((stack) => Object.keys(stack));
    const expected = readByScript.filter(
      (key) => labRole === undefined || !key.endsWith("ServiceAccountRoleArn"),
    );
    expect(expected.filter((key) => !outputKeys.has(key))).toEqual([]);
  });
});
