import { CfnOutput, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import type { Construct } from "constructs";
import { AVAILABILITY_ZONES, CLUSTER_NAME, VPC_NAME, type ZoneKey } from "./names.ts";
import { OutputKeys } from "./output-keys.ts";

const VPC_CIDR = "10.0.0.0/16";

/** The address plan of SPEC §3; L1 constructs keep every CIDR exactly as written. */
const SUBNET_PLAN = {
  private: { a: "10.0.1.0/24", b: "10.0.2.0/24" },
  public: { a: "10.0.3.0/24", b: "10.0.4.0/24" },
} as const;

const ZONES: readonly ZoneKey[] = ["a", "b"];
const CLUSTER_TAG = { key: `kubernetes.io/cluster/${CLUSTER_NAME}`, value: "shared" };
const ANYWHERE = "0.0.0.0/0";

export interface NetworkRefs {
  vpcId: string;
  privateSubnetIds: string[];
}

/** VPC, four subnets, one internet gateway and one NAT gateway per zone. */
export class NetworkStack extends Stack {
  readonly refs: NetworkRefs;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.CfnVPC(this, "Vpc", {
      cidrBlock: VPC_CIDR,
      // EKS nodes and the RDS/ElastiCache endpoints need DNS inside the VPC.
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: [{ key: "Name", value: VPC_NAME }],
    });

    const internetGateway = new ec2.CfnInternetGateway(this, "InternetGateway", {
      tags: [{ key: "Name", value: "toggle-igw" }],
    });
    const gatewayAttachment = new ec2.CfnVPCGatewayAttachment(this, "InternetGatewayAttachment", {
      vpcId: vpc.ref,
      internetGatewayId: internetGateway.ref,
    });

    const publicRouteTable = new ec2.CfnRouteTable(this, "PublicRouteTable", {
      vpcId: vpc.ref,
      tags: [{ key: "Name", value: "toggle-public-rt" }],
    });
    const internetRoute = new ec2.CfnRoute(this, "PublicInternetRoute", {
      routeTableId: publicRouteTable.ref,
      destinationCidrBlock: ANYWHERE,
      gatewayId: internetGateway.ref,
    });
    // The route is only valid once the gateway is attached to the VPC.
    internetRoute.addResourceDependency(gatewayAttachment);

    const privateSubnetIds: string[] = [];
    for (const zone of ZONES) {
      const suffix = zone.toUpperCase();
      const publicSubnet = new ec2.CfnSubnet(this, `PublicSubnet${suffix}`, {
        vpcId: vpc.ref,
        cidrBlock: SUBNET_PLAN.public[zone],
        availabilityZone: AVAILABILITY_ZONES[zone],
        mapPublicIpOnLaunch: true,
        tags: [
          { key: "Name", value: `toggle-public-${zone}` },
          CLUSTER_TAG,
          { key: "kubernetes.io/role/elb", value: "1" },
        ],
      });
      new ec2.CfnSubnetRouteTableAssociation(this, `PublicRouteAssociation${suffix}`, {
        subnetId: publicSubnet.ref,
        routeTableId: publicRouteTable.ref,
      });

      const natAddress = new ec2.CfnEIP(this, `NatAddress${suffix}`, {
        domain: "vpc",
        tags: [{ key: "Name", value: `toggle-ng-${zone}-eip` }],
      });
      const natGateway = new ec2.CfnNatGateway(this, `NatGateway${suffix}`, {
        subnetId: publicSubnet.ref,
        allocationId: natAddress.attrAllocationId,
        tags: [{ key: "Name", value: `toggle-ng-${zone}` }],
      });
      natGateway.addResourceDependency(gatewayAttachment);

      const privateSubnet = new ec2.CfnSubnet(this, `PrivateSubnet${suffix}`, {
        vpcId: vpc.ref,
        cidrBlock: SUBNET_PLAN.private[zone],
        availabilityZone: AVAILABILITY_ZONES[zone],
        tags: [
          { key: "Name", value: `toggle-private-${zone}` },
          CLUSTER_TAG,
          { key: "kubernetes.io/role/internal-elb", value: "1" },
        ],
      });
      const privateRouteTable = new ec2.CfnRouteTable(this, `PrivateRouteTable${suffix}`, {
        vpcId: vpc.ref,
        tags: [{ key: "Name", value: `toggle-private-rt-${zone}` }],
      });
      new ec2.CfnRoute(this, `PrivateNatRoute${suffix}`, {
        routeTableId: privateRouteTable.ref,
        destinationCidrBlock: ANYWHERE,
        natGatewayId: natGateway.ref,
      });
      new ec2.CfnSubnetRouteTableAssociation(this, `PrivateRouteAssociation${suffix}`, {
        subnetId: privateSubnet.ref,
        routeTableId: privateRouteTable.ref,
      });

      privateSubnetIds.push(privateSubnet.ref);
    }

    // SPEC §3 pins the zones; synth must also work without an account to look them up in.
    Validations.of(this).acknowledge({
      id: "CloudFormation-Validate::W3010",
      reason: "Availability zones are fixed by the deployment contract",
    });

    // The charts' network policies let pods reach RDS and ElastiCache inside this range.
    new CfnOutput(this, OutputKeys.vpcCidr, { value: vpc.attrCidrBlock });

    this.refs = { vpcId: vpc.ref, privateSubnetIds };
  }
}
