import { Aws, CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as eks from "aws-cdk-lib/aws-eks";
import * as iam from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import { AUTOSCALER_DISCOVERY_TAGS, CLUSTER_NAME, NODE_GROUP_NAME } from "./names.ts";
import type { NetworkRefs } from "./network-stack.ts";
import { OutputKeys } from "./output-keys.ts";
import { NODE_GROUP_MIN, nodeHardware, type ToggleSettings } from "./settings.ts";

const NODE_DISK_GB = 20;

/**
 * IMDSv2 only. The hop limit decides whether pods (one network hop behind the node) reach
 * the instance metadata service: with IRSA they must not (they would borrow the node role);
 * in LabRole mode they must, because the node role is the only AWS identity they have.
 */
export const METADATA_HOP_LIMIT = { irsa: 1, nodeRole: 2 } as const;

export interface ClusterStackProps extends StackProps {
  network: NetworkRefs;
  settings: ToggleSettings;
}

export interface ClusterRefs {
  clusterName: string;
  /** Security group EKS attaches to the control plane and to managed nodes. */
  clusterSecurityGroupId: string;
  oidcIssuerUrl: string;
}

/**
 * EKS control plane and its managed node group, as L1 resources: the L2 cluster
 * brings Lambda-backed custom resources and IAM roles that a lab account cannot create.
 */
export class ClusterStack extends Stack {
  readonly refs: ClusterRefs;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props);
    const { network, settings } = props;
    const roles = this.roles(settings.labRole);

    const cluster = new eks.CfnCluster(this, "Cluster", {
      name: CLUSTER_NAME,
      version: settings.kubernetesVersion,
      roleArn: roles.clusterRoleArn,
      resourcesVpcConfig: {
        subnetIds: network.privateSubnetIds,
        endpointPublicAccess: true,
        endpointPrivateAccess: true,
      },
      accessConfig: {
        authenticationMode: "API_AND_CONFIG_MAP",
        // Whoever runs `cdk deploy` can use kubectl and helmfile right away.
        bootstrapClusterCreatorAdminPermissions: true,
      },
    });

    // Without the network policy agent, EKS accepts NetworkPolicies and enforces none.
    const vpcCni = new eks.CfnAddon(this, "VpcCni", {
      clusterName: cluster.ref,
      addonName: "vpc-cni",
      resolveConflicts: "OVERWRITE",
      configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
    });

    const launchTemplate = new ec2.CfnLaunchTemplate(this, "NodeLaunchTemplate", {
      launchTemplateData: {
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit:
            settings.labRole === undefined ? METADATA_HOP_LIMIT.irsa : METADATA_HOP_LIMIT.nodeRole,
        },
        // A node group with a launch template takes its disk from the template.
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: { volumeSize: NODE_DISK_GB, volumeType: "gp3", encrypted: true },
          },
        ],
      },
    });

    const hardware = nodeHardware(settings);
    const nodeGroup = new eks.CfnNodegroup(this, "NodeGroup", {
      clusterName: cluster.ref,
      nodegroupName: NODE_GROUP_NAME,
      nodeRole: roles.nodeRoleArn,
      subnets: network.privateSubnetIds,
      amiType: hardware.amiType,
      instanceTypes: [hardware.instanceType],
      capacityType: "ON_DEMAND",
      launchTemplate: { id: launchTemplate.ref, version: launchTemplate.attrLatestVersionNumber },
      scalingConfig: {
        desiredSize: NODE_GROUP_MIN,
        minSize: NODE_GROUP_MIN,
        maxSize: settings.maxNodes,
      },
      updateConfig: { maxUnavailable: 1 },
      tags: { ...AUTOSCALER_DISCOVERY_TAGS },
    });
    // Nodes start with the policy agent rather than having it swapped in under them.
    nodeGroup.addResourceDependency(vpcCni);

    new CfnOutput(this, OutputKeys.clusterName, { value: cluster.ref });
    new CfnOutput(this, OutputKeys.region, { value: Aws.REGION });
    if (settings.certificateArn !== undefined) {
      new CfnOutput(this, OutputKeys.certificateArn, { value: settings.certificateArn });
    }

    this.refs = {
      clusterName: cluster.ref,
      clusterSecurityGroupId: cluster.attrClusterSecurityGroupId,
      oidcIssuerUrl: cluster.attrOpenIdConnectIssuerUrl,
    };
  }

  private roles(labRole: string | undefined): { clusterRoleArn: string; nodeRoleArn: string } {
    if (labRole !== undefined) {
      const arn = this.formatArn({
        service: "iam",
        region: "",
        resource: "role",
        resourceName: labRole,
      });
      return { clusterRoleArn: arn, nodeRoleArn: arn };
    }
    const clusterRole = serviceRole(this, "ClusterRole", "eks.amazonaws.com", [
      "AmazonEKSClusterPolicy",
    ]);
    const nodeRole = serviceRole(this, "NodeRole", "ec2.amazonaws.com", [
      "AmazonEKSWorkerNodePolicy",
      "AmazonEKS_CNI_Policy",
      "AmazonEC2ContainerRegistryReadOnly",
    ]);
    return { clusterRoleArn: clusterRole.attrArn, nodeRoleArn: nodeRole.attrArn };
  }
}

function serviceRole(
  scope: Construct,
  id: string,
  servicePrincipal: string,
  managedPolicies: string[],
): iam.CfnRole {
  return new iam.CfnRole(scope, id, {
    assumeRolePolicyDocument: {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: servicePrincipal }, Action: "sts:AssumeRole" },
      ],
    },
    managedPolicyArns: managedPolicies.map(
      (name) => `arn:${Aws.PARTITION}:iam::aws:policy/${name}`,
    ),
  });
}
