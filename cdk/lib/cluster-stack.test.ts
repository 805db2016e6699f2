import { describe, expect, test } from "bun:test";
import { AUTOSCALER_DISCOVERY_TAGS } from "./names.ts";
import { DEFAULT_SETTINGS, NODES_AT_REST } from "./settings.ts";
import {
  exportedValue,
  onlyResource,
  resourcesOf,
  synthesizeTemplates,
  type ToggleTemplates,
} from "./synthesize.ts";

const nodeGroupOf = (templates: ToggleTemplates) =>
  onlyResource(templates.cluster, "AWS::EKS::Nodegroup", () => true).properties;

/** IMDSv2 only, with the hop limit that decides whether pods reach the metadata service. */
const imdsV2 = (hopLimit: number) => ({
  HttpEndpoint: "enabled",
  HttpTokens: "required",
  HttpPutResponseHopLimit: hopLimit,
});

/** The launch template the node group launches its instances from. */
function launchTemplateOf(templates: ToggleTemplates) {
  const reference = nodeGroupOf(templates).LaunchTemplate as { Id: { Ref: string } };
  const template = resourcesOf(templates.cluster, "AWS::EC2::LaunchTemplate")[reference.Id.Ref];
  if (template === undefined) throw new Error("the node group names no launch template");
  return template.Properties?.LaunchTemplateData as {
    MetadataOptions: Record<string, unknown>;
    BlockDeviceMappings: { Ebs: { VolumeSize: number } }[];
  };
}

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

  test("node group toggle-node-group: desired 1, min 1, max 3, as the specification sets it", () => {
    expect(nodeGroup.NodegroupName).toBe("toggle-node-group");
    expect(nodeGroup.ScalingConfig).toEqual({ DesiredSize: 1, MinSize: 1, MaxSize: 3 });
    // The autoscaler grows it to the two nodes the pods need at rest (pod-budget.test.ts).
    expect(NODES_AT_REST).toBeLessThanOrEqual(
      (nodeGroup.ScalingConfig as { MaxSize: number }).MaxSize,
    );
  });

  test("nodes are AL2023 x86_64 t3.medium with a 20 GB disk from the launch template", () => {
    expect(nodeGroup.InstanceTypes).toEqual(["t3.medium"]);
    expect(nodeGroup.AmiType).toBe("AL2023_x86_64_STANDARD");
    // EKS refuses a node group disk size next to a launch template.
    expect(nodeGroup.DiskSize).toBeUndefined();
    expect(launchTemplateOf(templates).BlockDeviceMappings[0]?.Ebs.VolumeSize).toBe(20);
  });

  test("with IRSA, pods cannot reach the node's metadata service (IMDSv2, hop limit 1)", () => {
    expect(launchTemplateOf(templates).MetadataOptions).toEqual(imdsV2(1));
  });

  test("the node group carries the tags Cluster Autoscaler discovers it by", () => {
    expect(nodeGroup.Tags).toMatchObject({
      "k8s.io/cluster-autoscaler/enabled": "true",
      "k8s.io/cluster-autoscaler/toggle-cluster": "owned",
    });
    expect(AUTOSCALER_DISCOVERY_TAGS).toEqual({
      "k8s.io/cluster-autoscaler/enabled": "true",
      "k8s.io/cluster-autoscaler/toggle-cluster": "owned",
    });
  });

  test("the VPC CNI add-on enforces NetworkPolicies, and nodes start after it", () => {
    const addon = onlyResource(
      templates.cluster,
      "AWS::EKS::Addon",
      (properties) => properties.AddonName === "vpc-cni",
    );
    expect(JSON.parse(addon.properties.ConfigurationValues as string)).toEqual({
      enableNetworkPolicy: "true",
    });
    expect(addon.properties.ClusterName).toEqual({ Ref: "Cluster" });
    const nodeGroupResource = Object.values(
      resourcesOf(templates.cluster, "AWS::EKS::Nodegroup"),
    )[0] as { DependsOn?: string[] };
    expect(nodeGroupResource.DependsOn).toContain(addon.logicalId);
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

  test("no certificate, no certificate output: the charts serve plain HTTP", () => {
    expect(Object.keys(templates.cluster.toJSON().Outputs)).not.toContain("CertificateArn");
  });
});

describe("cluster stack (labRole)", () => {
  const templates = synthesizeTemplates({ labRole: "LabRole" });

  test("pods reach the metadata service for the node role's credentials (IMDSv2, hop limit 2)", () => {
    expect(launchTemplateOf(templates).MetadataOptions).toEqual(imdsV2(2));
  });
});

describe("cluster stack (arch=arm64)", () => {
  const nodeGroup = nodeGroupOf(
    synthesizeTemplates({ architecture: "arm64", instanceType: "t4g.medium" }),
  );

  test("nodes are Graviton t4g.medium on AL2023 ARM64", () => {
    expect(nodeGroup.InstanceTypes).toEqual(["t4g.medium"]);
    expect(nodeGroup.AmiType).toBe("AL2023_ARM_64_STANDARD");
  });

  test("sizes do not change with the architecture", () => {
    expect(nodeGroup.ScalingConfig).toEqual({ DesiredSize: 1, MinSize: 1, MaxSize: 3 });
  });
});

describe("cluster stack (capacity plan applied)", () => {
  const certificateArn =
    "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";
  const templates = synthesizeTemplates({
    architecture: "arm64",
    instanceType: "c7g.large",
    maxNodes: 6,
    certificateArn,
  });

  test("the instance type and the node group's maximum follow the plan", () => {
    const nodeGroup = nodeGroupOf(templates);
    expect(nodeGroup.InstanceTypes).toEqual(["c7g.large"]);
    expect(nodeGroup.ScalingConfig).toEqual({ DesiredSize: 1, MinSize: 1, MaxSize: 6 });
  });

  test("the TLS certificate is handed to the charts as an output", () => {
    const outputs = templates.cluster.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.CertificateArn?.Value).toBe(certificateArn);
  });
});
