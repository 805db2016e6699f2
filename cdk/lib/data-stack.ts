import { CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as elasticache from "aws-cdk-lib/aws-elasticache";
import * as rds from "aws-cdk-lib/aws-rds";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { ClusterRefs } from "./cluster-stack.ts";
import {
  ANALYTICS_DEAD_LETTER_QUEUE_NAME,
  ANALYTICS_QUEUE_NAME,
  COUNTERS_TABLE_NAME,
  DATABASE_SERVICES,
  type DatabaseService,
  EVENTS_TABLE_NAME,
  REDIS_CLUSTER_NAME,
} from "./names.ts";
import type { NetworkRefs } from "./network-stack.ts";
import { OutputKeys } from "./output-keys.ts";

const DATABASE = {
  instanceClass: "db.t4g.micro",
  allocatedStorageGb: 20,
  storageType: "gp2",
  port: 5432,
} as const;
const REDIS = { nodeType: "cache.t4g.micro", engineVersion: "7.1", port: 6379 } as const;
const QUEUE_MAX_RECEIVE_COUNT = 3;

export interface DataStackProps extends StackProps {
  network: NetworkRefs;
  cluster: ClusterRefs;
  postgresVersion: string;
}

export interface DataRefs {
  queueArn: string;
  eventsTableArn: string;
  countersTableArn: string;
}

/**
 * Stateful services. Everything is deleted with the stack: this is a lab
 * environment, and leftover snapshots or tables would keep costing money.
 */
export class DataStack extends Stack {
  readonly refs: DataRefs;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { network, cluster } = props;

    const databaseAccess = clusterOnlySecurityGroup(this, "DatabaseSecurityGroup", {
      vpcId: network.vpcId,
      port: DATABASE.port,
      clusterSecurityGroupId: cluster.clusterSecurityGroupId,
      description: "PostgreSQL reachable from the EKS cluster only",
    });
    const databaseSubnets = new rds.CfnDBSubnetGroup(this, "DatabaseSubnetGroup", {
      dbSubnetGroupDescription: "Private subnets of toggle-vpc",
      subnetIds: network.privateSubnetIds,
    });
    for (const service of DATABASE_SERVICES) {
      this.addDatabase(service, props.postgresVersion, databaseSubnets, databaseAccess);
    }

    this.addRedis(network, cluster);
    const queueArn = this.addQueue();
    const eventsTableArn = this.addTable("EventsTable", {
      tableName: EVENTS_TABLE_NAME,
      keys: ["event_id"],
      outputs: { name: OutputKeys.eventsTableName, arn: OutputKeys.eventsTableArn },
    });
    const countersTableArn = this.addTable("CountersTable", {
      tableName: COUNTERS_TABLE_NAME,
      keys: ["flag_name", "hour"],
      outputs: { name: OutputKeys.countersTableName, arn: OutputKeys.countersTableArn },
    });

    this.refs = { queueArn, eventsTableArn, countersTableArn };
  }

  private addDatabase(
    service: DatabaseService,
    postgresVersion: string,
    subnetGroup: rds.CfnDBSubnetGroup,
    securityGroup: ec2.CfnSecurityGroup,
  ): void {
    const id = `${service.charAt(0).toUpperCase()}${service.slice(1)}Database`;
    const secret = new secretsmanager.CfnSecret(this, `${id}Secret`, {
      description: `Master credentials of the ${service} PostgreSQL database`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: `${service}_admin` }),
        generateStringKey: "password",
        passwordLength: 32,
        // Characters RDS refuses in a master password.
        excludeCharacters: "\"@/\\ '",
      },
    });
    const resolve = (field: string) =>
      `{{resolve:secretsmanager:${secret.ref}:SecretString:${field}}}`;

    const instance = new rds.CfnDBInstance(this, id, {
      dbInstanceIdentifier: `toggle-${service}-db`,
      dbName: service,
      engine: "postgres",
      engineVersion: postgresVersion,
      dbInstanceClass: DATABASE.instanceClass,
      allocatedStorage: String(DATABASE.allocatedStorageGb),
      storageType: DATABASE.storageType,
      storageEncrypted: true,
      port: String(DATABASE.port),
      multiAz: false,
      publiclyAccessible: false,
      dbSubnetGroupName: subnetGroup.ref,
      vpcSecurityGroups: [securityGroup.attrGroupId],
      masterUsername: resolve("username"),
      masterUserPassword: resolve("password"),
      backupRetentionPeriod: 1,
      deleteAutomatedBackups: true,
      deletionProtection: false,
    });
    instance.applyRemovalPolicy(RemovalPolicy.DESTROY);
    // Adds host, port and engine to the secret so it holds the whole connection.
    new secretsmanager.CfnSecretTargetAttachment(this, `${id}SecretAttachment`, {
      secretId: secret.ref,
      targetId: instance.ref,
      targetType: "AWS::RDS::DBInstance",
    });

    new CfnOutput(this, OutputKeys.databaseHost(service), { value: instance.attrEndpointAddress });
    new CfnOutput(this, OutputKeys.databasePort(service), { value: instance.attrEndpointPort });
    new CfnOutput(this, OutputKeys.databaseSecretArn(service), { value: secret.ref });
  }

  private addRedis(network: NetworkRefs, cluster: ClusterRefs): void {
    const access = clusterOnlySecurityGroup(this, "RedisSecurityGroup", {
      vpcId: network.vpcId,
      port: REDIS.port,
      clusterSecurityGroupId: cluster.clusterSecurityGroupId,
      description: "Redis reachable from the EKS cluster only",
    });
    const subnets = new elasticache.CfnSubnetGroup(this, "RedisSubnetGroup", {
      description: "Private subnets of toggle-vpc",
      subnetIds: network.privateSubnetIds,
    });
    const redis = new elasticache.CfnCacheCluster(this, "Redis", {
      clusterName: REDIS_CLUSTER_NAME,
      engine: "redis",
      engineVersion: REDIS.engineVersion,
      cacheNodeType: REDIS.nodeType,
      numCacheNodes: 1,
      port: REDIS.port,
      cacheSubnetGroupName: subnets.ref,
      vpcSecurityGroupIds: [access.attrGroupId],
    });
    new CfnOutput(this, OutputKeys.redisHost, { value: redis.attrRedisEndpointAddress });
    new CfnOutput(this, OutputKeys.redisPort, { value: redis.attrRedisEndpointPort });
  }

  /** Returns the ARN of the analytics queue. */
  private addQueue(): string {
    const deadLetters = new sqs.CfnQueue(this, "AnalyticsDeadLetterQueue", {
      queueName: ANALYTICS_DEAD_LETTER_QUEUE_NAME,
      messageRetentionPeriod: 14 * 24 * 3600,
    });
    const queue = new sqs.CfnQueue(this, "AnalyticsQueue", {
      queueName: ANALYTICS_QUEUE_NAME,
      // The analytics consumer long-polls for 20 s.
      receiveMessageWaitTimeSeconds: 20,
      visibilityTimeout: 30,
      redrivePolicy: {
        deadLetterTargetArn: deadLetters.attrArn,
        maxReceiveCount: QUEUE_MAX_RECEIVE_COUNT,
      },
    });
    new CfnOutput(this, OutputKeys.queueUrl, { value: queue.ref });
    new CfnOutput(this, OutputKeys.queueArn, { value: queue.attrArn });
    new CfnOutput(this, OutputKeys.deadLetterQueueUrl, { value: deadLetters.ref });
    return queue.attrArn;
  }

  /** Creates an on-demand table with string keys (partition, then optional sort); returns its ARN. */
  private addTable(
    id: string,
    spec: { tableName: string; keys: string[]; outputs: { name: string; arn: string } },
  ): string {
    const table = new dynamodb.CfnTable(this, id, {
      tableName: spec.tableName,
      billingMode: "PAY_PER_REQUEST",
      attributeDefinitions: spec.keys.map((attributeName) => ({
        attributeName,
        attributeType: "S",
      })),
      keySchema: spec.keys.map((attributeName, index) => ({
        attributeName,
        keyType: index === 0 ? "HASH" : "RANGE",
      })),
    });
    table.applyRemovalPolicy(RemovalPolicy.DESTROY);
    new CfnOutput(this, spec.outputs.name, { value: table.ref });
    new CfnOutput(this, spec.outputs.arn, { value: table.attrArn });
    return table.attrArn;
  }
}

function clusterOnlySecurityGroup(
  scope: Construct,
  id: string,
  options: { vpcId: string; port: number; clusterSecurityGroupId: string; description: string },
): ec2.CfnSecurityGroup {
  return new ec2.CfnSecurityGroup(scope, id, {
    vpcId: options.vpcId,
    groupDescription: options.description,
    securityGroupIngress: [
      {
        ipProtocol: "tcp",
        fromPort: options.port,
        toPort: options.port,
        sourceSecurityGroupId: options.clusterSecurityGroupId,
      },
    ],
  });
}
