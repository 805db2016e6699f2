import { describe, expect, test } from "bun:test";
import { DEFAULT_SETTINGS } from "./settings.ts";
import {
  exportedValue,
  onlyResource,
  resourcesOf,
  synthesizeTemplates,
  type ToggleTemplates,
} from "./synthesize.ts";

const nodeGroupOf = (templates: ToggleTemplates) =>
  onlyResource(templates.cluster, "AWS::EKS::Nodegroup", () => true).properties;

describe("cluster stack (default x86_64)", () => {
  const templates = synthesizeTemplates();
  const cluster = onlyResource(templates.cluster, "AWS::EKS::Cluster", () => true).properties;
  const nodeGroup = nodeGroupOf(templates);
  const privateSubnetRefs = [{ Ref: "PrivateSubnetA" }, { Ref: "PrivateSubnetB" }];
  const subnetCidr = (ref: unknown) =>
    resourcesOf(templates.network, "AWS::EC2::Subnet")[(ref as { Ref: string }).Ref]?.Properties
      ?.CidrBlock;

  test("cluster toggle-cluster runs a supported Kubernetes version", () => {
    expect(cluster.Name).toBe("toggle-cluster");
    expect(cluster.Version).toBe(DEFAULT_SETTINGS.kubernetesVersion);
  });

  test("node group toggle-node-group is desired 1 / min 1 / max 3", () => {
    expect(nodeGroup.NodegroupName).toBe("toggle-node-group");
    expect(nodeGroup.ScalingConfig).toEqual({ DesiredSize: 1, MinSize: 1, MaxSize: 3 });
  });

  test("nodes are AL2023 x86_64 t3.medium", () => {
    expect(nodeGroup.InstanceTypes).toEqual(["t3.medium"]);
    expect(nodeGroup.AmiType).toBe("AL2023_x86_64_STANDARD");
  });

  test("nodes and control plane live in the two private subnets", () => {
    const nodeSubnets = (nodeGroup.Subnets as unknown[]).map((subnet) =>
      subnetCidr(exportedValue(templates.network, subnet)),
    );
    expect(nodeSubnets).toEqual(["10.0.1.0/24", "10.0.2.0/24"]);
    const vpcConfig = cluster.ResourcesVpcConfig as { SubnetIds: unknown[] };
    expect(vpcConfig.SubnetIds.map((subnet) => exportedValue(templates.network, subnet))).toEqual(
      privateSubnetRefs,
    );
  });

  test("without labRole the cluster and nodes get their own roles", () => {
    const roles = resourcesOf(templates.cluster, "AWS::IAM::Role");
    const principalOf = (ref: unknown) => {
      const logicalId = (ref as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
      const document = roles[logicalId]?.Properties?.AssumeRolePolicyDocument as {
        Statement: { Principal: { Service: string } }[];
      };
      return document.Statement[0]?.Principal.Service;
    };
    expect(principalOf(cluster.RoleArn)).toBe("eks.amazonaws.com");
    expect(principalOf(nodeGroup.NodeRole)).toBe("ec2.amazonaws.com");
  });
});

describe("cluster stack (arch=arm64)", () => {
  const nodeGroup = nodeGroupOf(synthesizeTemplates({ architecture: "arm64" }));

  test("nodes are Graviton t4g.medium on AL2023 ARM64", () => {
    expect(nodeGroup.InstanceTypes).toEqual(["t4g.medium"]);
    expect(nodeGroup.AmiType).toBe("AL2023_ARM_64_STANDARD");
  });

  test("sizes do not change with the architecture", () => {
    expect(nodeGroup.ScalingConfig).toEqual({ DesiredSize: 1, MinSize: 1, MaxSize: 3 });
  });
});
