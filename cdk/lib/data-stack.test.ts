import { describe, expect, test } from "bun:test";
import { QUEUE, TABLES } from "../../services/shared/topology.ts";
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

  test("the analytics queue of the topology redrives to its dead-letter queue", () => {
    const queueNamed = (name: string) =>
      onlyResource(data, "AWS::SQS::Queue", (properties) => properties.QueueName === name);
    const queue = queueNamed(QUEUE.name).properties;
    const deadLetters = queueNamed(QUEUE.deadLetterName);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { "Fn::GetAtt": [deadLetters.logicalId, "Arn"] },
      maxReceiveCount: QUEUE.maxReceiveCount,
    });
    expect(queue.VisibilityTimeout).toBe(QUEUE.visibilityTimeoutSeconds);
    expect(deadLetters.properties.MessageRetentionPeriod).toBe(QUEUE.retentionSeconds);
  });

  test("the spec's queue and events table keep their names", () => {
    expect(QUEUE.name).toBe("toggle-analytics-queue");
    expect(TABLES.events).toMatchObject({ name: "analytics_events", partitionKey: "event_id" });
  });

  test.each(Object.values(TABLES).map((table) => [table.name, table] as const))(
    "table %s has the topology's string keys and on-demand billing",
    (tableName, spec) => {
      const table = onlyResource(
        data,
        "AWS::DynamoDB::Table",
        (properties) => properties.TableName === tableName,
      ).properties;
      const keys = [
        [spec.partitionKey, "HASH"],
        ...(spec.sortKey === undefined ? [] : [[spec.sortKey, "RANGE"]]),
      ];
      expect(table.BillingMode).toBe("PAY_PER_REQUEST");
      expect(table.KeySchema).toEqual(
        keys.map(([AttributeName, KeyType]) => ({ AttributeName, KeyType })),
      );
      expect(table.AttributeDefinitions).toEqual(
        keys.map(([AttributeName]) => ({ AttributeName, AttributeType: "S" })),
      );
      expect(table.TimeToLiveSpecification).toEqual(
        spec.ttlAttribute === undefined
          ? undefined
          : { AttributeName: spec.ttlAttribute, Enabled: true },
      );
    },
  );

  test("in default mode the shared secrets live in Secrets Manager, random and unnamed", () => {
    const outputs = data.toJSON().Outputs as Record<string, { Value: { Ref: string } }>;
    const secrets = resourcesOf(data, "AWS::SecretsManager::Secret");
    for (const key of ["MasterKeySecretArn", "JwtSecretSecretArn", "ServiceApiKeySecretArn"]) {
      const secret = secrets[outputs[key]?.Value.Ref ?? ""]?.Properties;
      expect({ key, generated: secret?.GenerateSecretString }).toEqual({
        key,
        generated: { PasswordLength: 64, ExcludePunctuation: true },
      });
      // A fixed name would collide with a deleted secret's during its recovery window.
      expect(secret?.Name).toBeUndefined();
    }
  });

  test("in LabRole mode only the databases' secrets exist (the script writes the rest)", () => {
    const labData = synthesizeTemplates({ labRole: "LabRole" }).data;
    expect(Object.keys(resourcesOf(labData, "AWS::SecretsManager::Secret"))).toHaveLength(3);
  });
});
