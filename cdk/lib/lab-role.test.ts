import { describe, expect, test } from "bun:test";
import { Stack } from "aws-cdk-lib";
import {
  onlyResource,
  stackTemplates,
  synthesizeTemplates,
  type ToggleTemplates,
} from "./synthesize.ts";

function iamResourceTypes(templates: ToggleTemplates): string[] {
  return stackTemplates(templates)
    .flatMap((template) =>
      Object.values(template.toJSON().Resources as Record<string, { Type: string }>),
    )
    .map((resource) => resource.Type)
    .filter((type) => type.startsWith("AWS::IAM::"));
}

describe("labRole mode", () => {
  const templates = synthesizeTemplates({ labRole: "LabRole" });
  const labRoleArn = new Stack().resolve(
    new Stack().formatArn({
      service: "iam",
      region: "",
      resource: "role",
      resourceName: "LabRole",
    }),
  );

  test("creates no IAM role, policy or other IAM resource", () => {
    const types = iamResourceTypes(templates);
    expect(types.filter((type) => type === "AWS::IAM::Role")).toEqual([]);
    expect(types.filter((type) => type === "AWS::IAM::Policy")).toEqual([]);
    expect(types).toEqual([]);
    expect(templates.serviceAccounts).toBeUndefined();
  });

  test("cluster and nodes use the existing LabRole of the deploying account", () => {
    const cluster = onlyResource(templates.cluster, "AWS::EKS::Cluster", () => true).properties;
    const nodeGroup = onlyResource(templates.cluster, "AWS::EKS::Nodegroup", () => true).properties;
    expect(cluster.RoleArn).toEqual(labRoleArn);
    expect(nodeGroup.NodeRole).toEqual(labRoleArn);
    expect(JSON.stringify(labRoleArn)).toContain(":role/LabRole");
    expect(JSON.stringify(labRoleArn)).toContain("AWS::AccountId");
  });
});

describe("default mode", () => {
  test("creates the cluster, node, service-account, autoscaler and secrets-reader roles", () => {
    const types = iamResourceTypes(synthesizeTemplates());
    expect(types.filter((type) => type === "AWS::IAM::Role")).toHaveLength(6);
    expect(types).toContain("AWS::IAM::OIDCProvider");
  });
});
