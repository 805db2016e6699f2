import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  resourcesOf,
  stackTemplates,
  synthesizeTemplates,
  type ToggleTemplates,
} from "./synthesize.ts";

/** Resource types that carry tags in CloudFormation and exist in this app. */
const TAGGABLE_TYPES = [
  "AWS::EC2::VPC",
  "AWS::EC2::Subnet",
  "AWS::EC2::InternetGateway",
  "AWS::EC2::RouteTable",
  "AWS::EC2::EIP",
  "AWS::EC2::NatGateway",
  "AWS::EC2::SecurityGroup",
  "AWS::EKS::Cluster",
  "AWS::EKS::Nodegroup",
  "AWS::EKS::Addon",
  "AWS::ECR::Repository",
  "AWS::RDS::DBInstance",
  "AWS::RDS::DBSubnetGroup",
  "AWS::SecretsManager::Secret",
  "AWS::ElastiCache::CacheCluster",
  "AWS::ElastiCache::SubnetGroup",
  "AWS::SQS::Queue",
  "AWS::DynamoDB::Table",
  "AWS::IAM::Role",
  "AWS::IAM::OIDCProvider",
];

/** `project` tag value of every taggable resource, keyed by "<type> <logical id>". */
function projectTags(templates: ToggleTemplates): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const template of stackTemplates(templates)) {
    for (const type of TAGGABLE_TYPES) {
      for (const [id, resource] of Object.entries(resourcesOf(template, type))) {
        const tags = resource.Properties?.Tags;
        // EKS node groups take tags as a map, everything else as a list.
        const project = Array.isArray(tags)
          ? tags.find((tag: { Key: string }) => tag.Key === "project")?.Value
          : (tags as Record<string, string> | undefined)?.project;
        found.set(`${type} ${id}`, project);
      }
    }
  }
  return found;
}

async function validationFindings(templates: ToggleTemplates): Promise<unknown[]> {
  const report = await Bun.file(join(templates.assemblyDirectory, "validation-report.json")).json();
  return (report.pluginReports as { violations: unknown[] }[]).flatMap(
    (plugin) => plugin.violations,
  );
}

describe.each([
  ["default mode", { labRole: undefined }],
  ["labRole arm64 mode", { labRole: "LabRole", architecture: "arm64" as const }],
])("whole app, %s", (_mode, overrides) => {
  const templates = synthesizeTemplates(overrides);

  test("every taggable resource is tagged project=toggle", () => {
    const tags = projectTags(templates);
    const typesSeen = new Set([...tags.keys()].map((resource) => resource.split(" ")[0]));
    const expectedTypes = TAGGABLE_TYPES.filter(
      (type) => overrides.labRole === undefined || !type.startsWith("AWS::IAM::"),
    );
    expect([...typesSeen].sort()).toEqual(expectedTypes.sort());
    for (const [resource, value] of tags) {
      expect({ resource, value }).toEqual({ resource, value: "toggle" });
    }
  });

  test("deploys without a bootstrap stack: no assumed roles, inline-sized templates", async () => {
    const manifest = await Bun.file(join(templates.assemblyDirectory, "manifest.json")).json();
    const stacks = Object.values(
      manifest.artifacts as Record<string, { type: string; properties: object }>,
    ).filter((artifact) => artifact.type === "aws:cloudformation:stack");
    expect(stacks.length).toBeGreaterThanOrEqual(4);
    for (const stack of stacks) {
      expect(stack.properties).not.toHaveProperty("assumeRoleArn");
      expect(stack.properties).not.toHaveProperty("stackTemplateAssetObjectUrl");
    }
    for (const template of stackTemplates(templates)) {
      // Above this size the CLI needs the bootstrap bucket to upload the template.
      expect(JSON.stringify(template.toJSON(), undefined, 1).length).toBeLessThan(51_200);
      expect(template.toJSON().Parameters?.BootstrapVersion).toBeUndefined();
    }
  });

  test("CloudFormation validation reports no finding", async () => {
    expect(await validationFindings(templates)).toEqual([]);
  });
});
