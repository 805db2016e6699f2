/**
 * The backends the services use on a KIND cluster: one PostgreSQL per data service, the
 * evaluation cache (Redis) and LocalStack for SQS and DynamoDB. Development stand-ins for
 * RDS, ElastiCache, SQS and DynamoDB; EKS uses the managed services instead.
 */
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import type { IContainer, IEnvVar, ISecurityContext } from "kubernetes-models/v1";
import { ConfigMap, Service } from "kubernetes-models/v1";
import {
  QUEUE,
  TABLES,
  type TableName,
  type TableTopology,
} from "../../services/shared/topology.ts";
import { type Backend, databaseServices } from "../contract.ts";
import type { ChartDocument, ChartTemplate, Values } from "./template.ts";

export const chartName = "kind-backends";

/** The label the services' network policies reach each kind of backend by. */
export const BACKEND_COMPONENT: Record<Backend, string> = {
  database: "postgres",
  redis: "redis",
  aws: "aws-emulator",
};

/** Ports the backends listen on inside the cluster. */
export const BACKEND_PORTS: Record<Backend, number> = { database: 5432, redis: 6379, aws: 4566 };

function labels(v: Values, name: string, backend: Backend): Record<string, string> {
  return {
    ...selector(name),
    "app.kubernetes.io/component": BACKEND_COMPONENT[backend],
    "app.kubernetes.io/instance": v.scalar("$.Release.Name", "kind-backends"),
    "app.kubernetes.io/managed-by": v.scalar("$.Release.Service", "Helm"),
  };
}

const selector = (component: string) => ({
  "app.kubernetes.io/name": component,
  "app.kubernetes.io/part-of": "toggle-master",
});

function service(v: Values, name: string, backend: Backend, portName: string): ChartDocument {
  const port = BACKEND_PORTS[backend];
  return {
    object: new Service({
      metadata: { name, labels: labels(v, name, backend) },
      spec: {
        selector: selector(name),
        ports: [{ name: portName, port, targetPort: portName, protocol: "TCP" }],
      },
    }),
  };
}

const resources = (cpu: string, memory: string) => ({
  requests: { cpu: "50m", memory: "128Mi" },
  limits: { cpu, memory },
});

const dropAll: ISecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

function postgres(v: Values, database: string): ChartDocument[] {
  const component = `postgres-${database}`;
  const container: IContainer = {
    name: "postgres",
    image: v.scalar("$.Values.postgres.image", "postgres:17-alpine"),
    ports: [{ name: "postgres", containerPort: BACKEND_PORTS.database, protocol: "TCP" }],
    env: [
      { name: "POSTGRES_DB", value: database },
      { name: "POSTGRES_USER", value: database },
      {
        name: "POSTGRES_PASSWORD",
        valueFrom: {
          secretKeyRef: {
            name: v.scalar("$.Values.postgres.passwordSecret", "toggle-postgres"),
            key: `${database}-password`,
          },
        },
      },
      // A subfolder, because the volume's root may hold lost+found.
      { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
    ],
    readinessProbe: {
      exec: { command: ["pg_isready", "-U", database, "-d", database] },
      periodSeconds: 5,
    },
    resources: resources("500m", "256Mi"),
    volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
    securityContext: dropAll,
  };
  return [
    {
      object: new StatefulSet({
        metadata: { name: component, labels: labels(v, component, "database") },
        spec: {
          serviceName: component,
          replicas: 1,
          selector: { matchLabels: selector(component) },
          template: {
            metadata: { labels: labels(v, component, "database") },
            spec: {
              // uid 70 is the postgres user of the Alpine image.
              securityContext: { runAsNonRoot: true, runAsUser: 70, fsGroup: 70 },
              containers: [container],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: {
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: v.scalar("$.Values.postgres.storage", "1Gi") } },
              },
            },
          ],
        },
      }),
    },
    service(v, component, "database", "postgres"),
  ];
}

function redis(v: Values): ChartDocument[] {
  return [
    {
      object: new Deployment({
        metadata: { name: "redis", labels: labels(v, "redis", "redis") },
        spec: {
          replicas: 1,
          selector: { matchLabels: selector("redis") },
          template: {
            metadata: { labels: labels(v, "redis", "redis") },
            spec: {
              securityContext: { runAsNonRoot: true, runAsUser: 999 },
              containers: [
                {
                  name: "redis",
                  image: v.scalar("$.Values.redis.image", "redis:7.4-alpine"),
                  // A cache: nothing is persisted.
                  args: ["--save", "", "--appendonly", "no"],
                  ports: [{ name: "redis", containerPort: BACKEND_PORTS.redis, protocol: "TCP" }],
                  readinessProbe: { exec: { command: ["redis-cli", "ping"] }, periodSeconds: 5 },
                  resources: resources("250m", "128Mi"),
                  securityContext: dropAll,
                },
              ],
            },
          },
        },
      }),
    },
    service(v, "redis", "redis", "redis"),
  ];
}

/** The variable the init script reads a table's name from. */
const tableVariable = (table: TableName) => `TABLE_${table.toUpperCase()}`;

function createTable(table: TableName, spec: TableTopology): string {
  const keys: (readonly [string, "HASH" | "RANGE"])[] = [
    [spec.partitionKey, "HASH"],
    ...(spec.sortKey === undefined ? [] : [[spec.sortKey, "RANGE"] as const]),
  ];
  return [
    `awslocal dynamodb create-table --table-name "$${tableVariable(table)}" --billing-mode PAY_PER_REQUEST \\`,
    `  --attribute-definitions ${keys.map(([key]) => `AttributeName=${key},AttributeType=S`).join(" ")} \\`,
    `  --key-schema ${keys.map(([key, type]) => `AttributeName=${key},KeyType=${type}`).join(" ")}`,
  ].join("\n");
}

/**
 * Run by LocalStack once it is up: the analytics queue with its dead-letter queue and the
 * tables, as the EKS stack creates them (both from services/shared/topology.ts).
 */
const localstackInitScript = `#!/bin/bash
set -euo pipefail
dlq_url=$(awslocal sqs create-queue --queue-name "${QUEUE.deadLetterName}" --query QueueUrl --output text)
dlq_arn=$(awslocal sqs get-queue-attributes --queue-url "$dlq_url" \\
  --attribute-names QueueArn --query Attributes.QueueArn --output text)
cat > /tmp/queue-attributes.json <<JSON
{"VisibilityTimeout": "${QUEUE.visibilityTimeoutSeconds}", "RedrivePolicy": "{\\"deadLetterTargetArn\\":\\"$dlq_arn\\",\\"maxReceiveCount\\":\\"${QUEUE.maxReceiveCount}\\"}"}
JSON
awslocal sqs create-queue --queue-name "$QUEUE_NAME" --attributes file:///tmp/queue-attributes.json
${(Object.entries(TABLES) as [TableName, TableTopology][]).map(([table, spec]) => createTable(table, spec)).join("\n")}
`;

const tableNameVariables = (v: Values): IEnvVar[] =>
  (Object.entries(TABLES) as [TableName, TableTopology][]).map(([table, spec]) => ({
    name: tableVariable(table),
    value: v.scalar(`$.Values.dynamodb.tables.${table}`, spec.name),
  }));

function localstack(v: Values): ChartDocument[] {
  return [
    {
      object: new ConfigMap({
        metadata: { name: "localstack-init", labels: labels(v, "localstack", "aws") },
        data: { "init-aws.sh": localstackInitScript },
      }),
    },
    {
      object: new Deployment({
        metadata: { name: "localstack", labels: labels(v, "localstack", "aws") },
        spec: {
          replicas: 1,
          selector: { matchLabels: selector("localstack") },
          template: {
            metadata: { labels: labels(v, "localstack", "aws") },
            spec: {
              containers: [
                {
                  name: "localstack",
                  image: v.scalar("$.Values.localstack.image", "localstack/localstack:4.4"),
                  ports: [
                    { name: "localstack", containerPort: BACKEND_PORTS.aws, protocol: "TCP" },
                  ],
                  env: [
                    { name: "SERVICES", value: "sqs,dynamodb" },
                    { name: "AWS_DEFAULT_REGION", value: v.scalar("$.Values.region", "us-east-1") },
                    {
                      name: "QUEUE_NAME",
                      value: v.scalar("$.Values.sqs.queueUrl | base", QUEUE.name),
                    },
                    ...tableNameVariables(v),
                  ],
                  // Ready once the init script above has created the queue and tables.
                  readinessProbe: {
                    exec: {
                      command: [
                        "sh",
                        "-c",
                        "curl -fs localhost:4566/_localstack/init/ready | grep -Eq '\"completed\": ?true'",
                      ],
                    },
                    periodSeconds: 5,
                  },
                  resources: resources("1", "1Gi"),
                  volumeMounts: [{ name: "init", mountPath: "/etc/localstack/init/ready.d" }],
                },
              ],
              volumes: [
                { name: "init", configMap: { name: "localstack-init", defaultMode: 0o755 } },
              ],
            },
          },
        },
      }),
    },
    service(v, "localstack", "aws", "localstack"),
  ];
}

export const templates: ChartTemplate[] = [
  ...databaseServices.map((database) => ({
    file: `postgres-${database}.yaml`,
    build: (v: Values) => postgres(v, database),
  })),
  { file: "redis.yaml", build: redis },
  { file: "localstack.yaml", build: localstack },
];
