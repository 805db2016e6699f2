import { describe, expect, test } from "bun:test";
import { exportedValue, onlyResource, resourcesOf, synthesizeTemplates } from "./synthesize.ts";

describe("data stack", () => {
  const templates = synthesizeTemplates();
  const { data } = templates;
  const clusterSecurityGroup = { "Fn::GetAtt": ["Cluster", "ClusterSecurityGroupId"] };
  const securityGroup = (ref: unknown) =>
    resourcesOf(data, "AWS::EC2::SecurityGroup")[
      (ref as { "Fn::GetAtt": [string] })["Fn::GetAtt"][0]
    ]?.Properties ?? {};
  const onlyOpenToCluster = (group: Record<string, unknown>, port: number) => {
    const rules = group.SecurityGroupIngress as Record<string, unknown>[];
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ IpProtocol: "tcp", FromPort: port, ToPort: port });
    expect(exportedValue(templates.cluster, rules[0]?.SourceSecurityGroupId)).toEqual(
      clusterSecurityGroup,
    );
  };
  const privateSubnets = (subnetIds: unknown) =>
    (subnetIds as unknown[]).map((subnet) => exportedValue(templates.network, subnet));

  test("exactly three PostgreSQL instances", () => {
    expect(Object.keys(resourcesOf(data, "AWS::RDS::DBInstance"))).toHaveLength(3);
  });

  test.each(["auth", "flag", "targeting"])(
    "%s database: db.t4g.micro, 20 GB gp2, port 5432",
    (service) => {
      const database = onlyResource(
        data,
        "AWS::RDS::DBInstance",
        (properties) => properties.DBName === service,
      ).properties;
      expect(database).toMatchObject({
        DBInstanceIdentifier: `toggle-${service}-db`,
        DBInstanceClass: "db.t4g.micro",
        AllocatedStorage: "20",
        StorageType: "gp2",
        Engine: "postgres",
        EngineVersion: "17.6",
        Port: "5432",
        PubliclyAccessible: false,
      });
      const [group] = database.VPCSecurityGroups as unknown[];
      onlyOpenToCluster(securityGroup(group), 5432);
    },
  );

  test("each database takes its credentials from its own Secrets Manager secret", () => {
    const secretIds = Object.values(resourcesOf(data, "AWS::RDS::DBInstance")).map((database) => {
      const password = JSON.stringify(database.Properties?.MasterUserPassword);
      return /"Ref":"([A-Za-z0-9]+)"/.exec(password)?.[1];
    });
    const secrets = resourcesOf(data, "AWS::SecretsManager::Secret");
    expect(new Set(secretIds).size).toBe(3);
    for (const id of secretIds) expect(secrets[id ?? ""]).toBeDefined();
  });

  test("databases sit in the private subnets", () => {
    const group = onlyResource(data, "AWS::RDS::DBSubnetGroup", () => true).properties;
    expect(privateSubnets(group.SubnetIds)).toEqual([
      { Ref: "PrivateSubnetA" },
      { Ref: "PrivateSubnetB" },
    ]);
  });

  test("a postgresVersion override reaches every instance", () => {
    const overridden = synthesizeTemplates({ postgresVersion: "16.9" }).data;
    const versions = Object.values(resourcesOf(overridden, "AWS::RDS::DBInstance")).map(
      (database) => database.Properties?.EngineVersion,
    );
    expect(versions).toEqual(["16.9", "16.9", "16.9"]);
  });

  test("Redis OSS redis-evaluation listens on 6379 for the cluster only", () => {
    const redis = onlyResource(data, "AWS::ElastiCache::CacheCluster", () => true).properties;
    expect(redis).toMatchObject({
      ClusterName: "redis-evaluation",
      Engine: "redis",
      Port: 6379,
      CacheNodeType: "cache.t4g.micro",
    });
    const [group] = redis.VpcSecurityGroupIds as unknown[];
    onlyOpenToCluster(securityGroup(group), 6379);
    const subnets = onlyResource(data, "AWS::ElastiCache::SubnetGroup", () => true).properties;
    expect(privateSubnets(subnets.SubnetIds)).toEqual([
      { Ref: "PrivateSubnetA" },
      { Ref: "PrivateSubnetB" },
    ]);
  });

  test("the analytics queue redrives to its dead-letter queue after 3 receives", () => {
    const queueNamed = (name: string) =>
      onlyResource(data, "AWS::SQS::Queue", (properties) => properties.QueueName === name);
    const queue = queueNamed("toggle-analytics-queue").properties;
    const deadLetters = queueNamed("toggle-analytics-queue-dlq");
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": [deadLetters.logicalId, "Arn"] },
      maxReceiveCount: 3,
    });
  });

  test.each([
    ["analytics_events", [["event_id", "HASH"]]],
    [
      "analytics_counters",
      [
        ["flag_name", "HASH"],
        ["hour", "RANGE"],
      ],
    ],
  ])("table %s has its string keys and on-demand billing", (tableName, keys) => {
    const table = onlyResource(
      data,
      "AWS::DynamoDB::Table",
      (properties) => properties.TableName === tableName,
    ).properties;
    expect(table.BillingMode).toBe("PAY_PER_REQUEST");
    expect(table.KeySchema).toEqual(
      keys.map(([AttributeName, KeyType]) => ({ AttributeName, KeyType })),
    );
    expect(table.AttributeDefinitions).toEqual(
      keys.map(([AttributeName]) => ({ AttributeName, AttributeType: "S" })),
    );
  });
});
