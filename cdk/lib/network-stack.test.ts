import { describe, expect, test } from "bun:test";
import { onlyResource, resourcesOf, synthesizeTemplates, tagsOf } from "./synthesize.ts";

const { network } = synthesizeTemplates();

const subnetByCidr = (cidr: string) =>
  onlyResource(network, "AWS::EC2::Subnet", (properties) => properties.CidrBlock === cidr);

/** Logical id of the route table a subnet is associated with. */
function routeTableOf(subnetId: string): string {
  const association = onlyResource(
    network,
    "AWS::EC2::SubnetRouteTableAssociation",
    (properties) => (properties.SubnetId as { Ref?: string }).Ref === subnetId,
  );
  return (association.properties.RouteTableId as { Ref: string }).Ref;
}

function defaultRouteOf(routeTableId: string): Record<string, unknown> {
  return onlyResource(
    network,
    "AWS::EC2::Route",
    (properties) =>
      (properties.RouteTableId as { Ref?: string }).Ref === routeTableId &&
      properties.DestinationCidrBlock === "0.0.0.0/0",
  ).properties;
}

describe("network stack", () => {
  test("VPC toggle-vpc is 10.0.0.0/16 with DNS on", () => {
    const vpcs = Object.values(resourcesOf(network, "AWS::EC2::VPC"));
    expect(vpcs).toHaveLength(1);
    const properties = vpcs[0]?.Properties ?? {};
    expect(properties.CidrBlock).toBe("10.0.0.0/16");
    expect(properties.EnableDnsHostnames).toBe(true);
    expect(tagsOf(properties).Name).toBe("toggle-vpc");
  });

  test("the VPC's range is an output: the charts' network policies reach RDS and Redis in it", () => {
    const outputs = network.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.VpcCidr?.Value).toEqual({ "Fn::GetAtt": ["Vpc", "CidrBlock"] });
  });

  test("exactly four subnets", () => {
    expect(Object.keys(resourcesOf(network, "AWS::EC2::Subnet"))).toHaveLength(4);
  });

  const clusterTag = { "kubernetes.io/cluster/toggle-cluster": "shared" };
  test.each([
    [
      "10.0.1.0/24",
      "us-east-1a",
      { Name: "toggle-private-a", "kubernetes.io/role/internal-elb": "1" },
    ],
    [
      "10.0.2.0/24",
      "us-east-1b",
      { Name: "toggle-private-b", "kubernetes.io/role/internal-elb": "1" },
    ],
    ["10.0.3.0/24", "us-east-1a", { Name: "toggle-public-a", "kubernetes.io/role/elb": "1" }],
    ["10.0.4.0/24", "us-east-1b", { Name: "toggle-public-b", "kubernetes.io/role/elb": "1" }],
  ])("subnet %s is in %s with its tags", (cidr, zone, roleTags) => {
    const { properties } = subnetByCidr(cidr);
    expect(properties.AvailabilityZone).toBe(zone);
    expect(tagsOf(properties)).toEqual({ ...roleTags, ...clusterTag, project: "toggle" });
  });

  test("one internet gateway is the public subnets' default route", () => {
    const gateways = Object.keys(resourcesOf(network, "AWS::EC2::InternetGateway"));
    expect(gateways).toHaveLength(1);
    for (const cidr of ["10.0.3.0/24", "10.0.4.0/24"]) {
      const route = defaultRouteOf(routeTableOf(subnetByCidr(cidr).logicalId));
      expect(route.GatewayId).toEqual({ Ref: gateways[0] });
    }
  });

  test.each([
    ["toggle-ng-a", "10.0.3.0/24"],
    ["toggle-ng-b", "10.0.4.0/24"],
  ])("NAT gateway %s sits in public subnet %s", (name, cidr) => {
    expect(Object.keys(resourcesOf(network, "AWS::EC2::NatGateway"))).toHaveLength(2);
    const nat = onlyResource(
      network,
      "AWS::EC2::NatGateway",
      (properties) => tagsOf(properties).Name === name,
    );
    expect(nat.properties.SubnetId).toEqual({ Ref: subnetByCidr(cidr).logicalId });
  });

  test.each([
    ["10.0.1.0/24", "toggle-ng-a"],
    ["10.0.2.0/24", "toggle-ng-b"],
  ])("private subnet %s routes to NAT gateway %s of its own zone", (cidr, natName) => {
    const privateSubnet = subnetByCidr(cidr);
    const route = defaultRouteOf(routeTableOf(privateSubnet.logicalId));
    const natId = (route.NatGatewayId as { Ref: string }).Ref;
    const nat = resourcesOf(network, "AWS::EC2::NatGateway")[natId]?.Properties ?? {};
    expect(tagsOf(nat).Name).toBe(natName);
    const natSubnetId = (nat.SubnetId as { Ref: string }).Ref;
    const natSubnet = resourcesOf(network, "AWS::EC2::Subnet")[natSubnetId]?.Properties ?? {};
    expect(natSubnet.AvailabilityZone).toBe(privateSubnet.properties.AvailabilityZone as string);
  });

  test("each private subnet has its own route table", () => {
    const tables = ["10.0.1.0/24", "10.0.2.0/24"].map((cidr) =>
      routeTableOf(subnetByCidr(cidr).logicalId),
    );
    expect(new Set(tables).size).toBe(2);
  });
});
