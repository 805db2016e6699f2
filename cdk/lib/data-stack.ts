import { CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as elasticache from "aws-cdk-lib/aws-elasticache";
import * as rds from "aws-cdk-lib/aws-rds";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import {
  QUEUE,
  type SharedSecret,
  TABLES,
  type TableName,
  type TableTopology,
} from "../../services/shared/topology.ts";
import type { ClusterRefs } from "./cluster-stack.ts";
import {
  DATABASE_SERVICES,
  type DatabaseService,
  REDIS_CLUSTER_NAME,
  SHARED_SECRETS,
} from "./names.ts";
import type { NetworkRefs } from "./network-stack.ts";
import { capitalize, OutputKeys } from "./output-keys.ts";

const DATABASE = {
  instanceClass: "db.t4g.micro",
  allocatedStorageGb: 20,
  storageType: "gp2",
  port: 5432,
} as const;
const REDIS = { nodeType: "cache.t4g.micro", engineVersion: "7.1", port: 6379 } as const;
/** The analytics consumer long-polls for 20 s. */
const QUEUE_RECEIVE_WAIT_SECONDS = 20;

export interface DataStackProps extends StackProps {
  network: NetworkRefs;
  cluster: ClusterRefs;
  postgresVersion: string;
  /**
   * Whether to keep the services' shared secrets (master key, JWT secret, service key) in
   * Secrets Manager for External Secrets Operator. LabRole mode creates them with a script
   * instead (charts/secrets.ts), because the operator has no IAM role to read them with.
   */
  sharedSecrets: boolean;
}

export interface DataRefs {
  queueArn: string;
  tableArns: Record<TableName, string>;
  databaseSecretArns: Record<DatabaseService, string>;
  /** Empty when the stack keeps no shared secrets. */
  sharedSecretArns: Partial<Record<SharedSecret, string>>;
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
    const databaseSecretArns = Object.fromEntries(
      DATABASE_SERVICES.map((service) => [
        service,
        this.addDatabase(service, props.postgresVersion, databaseSubnets, databaseAccess),
      ]),
    ) as Record<DatabaseService, string>;

    this.addRedis(network, cluster);
    const queueArn = this.addQueue();
    const tableArns = Object.fromEntries(
      (Object.entries(TABLES) as [TableName, TableTopology][]).map(([name, table]) => [
        name,
        this.addTable(name, table),
      ]),
    ) as Record<TableName, string>;
    const sharedSecretArns = props.sharedSecrets
      ? Object.fromEntries(SHARED_SECRETS.map((secret) => [secret, this.addSharedSecret(secret)]))
      : {};

    this.refs = { queueArn, tableArns, databaseSecretArns, sharedSecretArns };
  }

  private addDatabase(
    service: DatabaseService,
    postgresVersion: string,
    subnetGroup: rds.CfnDBSubnetGroup,
    securityGroup: ec2.CfnSecurityGroup,
  ): string {
    const id = `${capitalize(service)}Database`;
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
    return secret.ref;
  }

  /** A random secret of letters and digits; unnamed, so a redeploy never collides with a deleted one. */
  private addSharedSecret(secret: SharedSecret): string {
    const stored = new secretsmanager.CfnSecret(this, `${capitalize(secret)}Secret`, {
      description: `ToggleMaster ${secret}, read into the cluster by External Secrets Operator`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    new CfnOutput(this, OutputKeys.sharedSecretArn(secret), { value: stored.ref });
    return stored.ref;
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
      queueName: QUEUE.deadLetterName,
      messageRetentionPeriod: QUEUE.retentionSeconds,
    });
    const queue = new sqs.CfnQueue(this, "AnalyticsQueue", {
      queueName: QUEUE.name,
      receiveMessageWaitTimeSeconds: QUEUE_RECEIVE_WAIT_SECONDS,
      visibilityTimeout: QUEUE.visibilityTimeoutSeconds,
      redrivePolicy: {
        deadLetterTargetArn: deadLetters.attrArn,
        maxReceiveCount: QUEUE.maxReceiveCount,
      },
    });
    new CfnOutput(this, OutputKeys.queueUrl, { value: queue.ref });
    new CfnOutput(this, OutputKeys.queueArn, { value: queue.attrArn });
    new CfnOutput(this, OutputKeys.deadLetterQueueUrl, { value: deadLetters.ref });
    return queue.attrArn;
  }

  /** Creates an on-demand table with string keys (partition, then optional sort); returns its ARN. */
  private addTable(name: TableName, spec: TableTopology): string {
    const keys =
      spec.sortKey === undefined ? [spec.partitionKey] : [spec.partitionKey, spec.sortKey];
    const table = new dynamodb.CfnTable(this, `${capitalize(name)}Table`, {
      tableName: spec.name,
      billingMode: "PAY_PER_REQUEST",
      attributeDefinitions: keys.map((attributeName) => ({ attributeName, attributeType: "S" })),
      keySchema: keys.map((attributeName, index) => ({
        attributeName,
        keyType: index === 0 ? "HASH" : "RANGE",
      })),
      ...(spec.ttlAttribute !== undefined && {
        timeToLiveSpecification: { attributeName: spec.ttlAttribute, enabled: true },
      }),
    });
    table.applyRemovalPolicy(RemovalPolicy.DESTROY);
    new CfnOutput(this, OutputKeys.tableName(name), { value: table.ref });
    new CfnOutput(this, OutputKeys.tableArn(name), { value: table.attrArn });
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
