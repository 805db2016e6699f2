/**
 * The backends the services use on a KIND cluster: one PostgreSQL per data service, the
 * evaluation cache (Redis) and LocalStack for SQS and DynamoDB. Development stand-ins for
 * RDS, ElastiCache, SQS and DynamoDB; EKS uses the managed services instead.
 */
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import type { IContainer, ISecurityContext } from "kubernetes-models/v1";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { databaseServices } from "../contract.ts";
import type { ChartDocument, ChartTemplate, Values } from "./template.ts";

export const chartName = "kind-backends";

function labels(v: Values, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/part-of": "toggle-master",
    "app.kubernetes.io/instance": v.scalar("$.Release.Name", "kind-backends"),
    "app.kubernetes.io/managed-by": v.scalar("$.Release.Service", "Helm"),
  };
}

const selector = (component: string) => ({
  "app.kubernetes.io/name": component,
  "app.kubernetes.io/part-of": "toggle-master",
});

function service(v: Values, component: string, portName: string, port: number): ChartDocument {
  return {
    object: new Service({
      metadata: { name: component, labels: labels(v, component) },
      spec: {
        selector: selector(component),
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
    ports: [{ name: "postgres", containerPort: 5432, protocol: "TCP" }],
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
        metadata: { name: component, labels: labels(v, component) },
        spec: {
          serviceName: component,
          replicas: 1,
          selector: { matchLabels: selector(component) },
          template: {
            metadata: { labels: labels(v, component) },
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
    service(v, component, "postgres", 5432),
  ];
}

function redis(v: Values): ChartDocument[] {
  return [
    {
      object: new Deployment({
        metadata: { name: "redis", labels: labels(v, "redis") },
        spec: {
          replicas: 1,
          selector: { matchLabels: selector("redis") },
          template: {
            metadata: { labels: labels(v, "redis") },
            spec: {
              securityContext: { runAsNonRoot: true, runAsUser: 999 },
              containers: [
                {
                  name: "redis",
                  image: v.scalar("$.Values.redis.image", "redis:7.4-alpine"),
                  // A cache: nothing is persisted.
                  args: ["--save", "", "--appendonly", "no"],
                  ports: [{ name: "redis", containerPort: 6379, protocol: "TCP" }],
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
    service(v, "redis", "redis", 6379),
  ];
}

/**
 * Run by LocalStack once it is up: the analytics queue with its dead-letter queue and the
 * two tables, keyed as the EKS stack creates them.
 */
const localstackInitScript = `#!/bin/bash
set -euo pipefail
dlq_url=$(awslocal sqs create-queue --queue-name "$QUEUE_NAME-dlq" --query QueueUrl --output text)
dlq_arn=$(awslocal sqs get-queue-attributes --queue-url "$dlq_url" \\
  --attribute-names QueueArn --query Attributes.QueueArn --output text)
cat > /tmp/queue-attributes.json <<JSON
{"RedrivePolicy": "{\\"deadLetterTargetArn\\":\\"$dlq_arn\\",\\"maxReceiveCount\\":\\"3\\"}"}
JSON
awslocal sqs create-queue --queue-name "$QUEUE_NAME" --attributes file:///tmp/queue-attributes.json
awslocal dynamodb create-table --table-name "$EVENTS_TABLE" --billing-mode PAY_PER_REQUEST \\
  --attribute-definitions AttributeName=event_id,AttributeType=S \\
  --key-schema AttributeName=event_id,KeyType=HASH
awslocal dynamodb create-table --table-name "$COUNTERS_TABLE" --billing-mode PAY_PER_REQUEST \\
  --attribute-definitions AttributeName=flag_name,AttributeType=S AttributeName=hour,AttributeType=S \\
  --key-schema AttributeName=flag_name,KeyType=HASH AttributeName=hour,KeyType=RANGE
`;

function localstack(v: Values): ChartDocument[] {
  return [
    {
      object: new ConfigMap({
        metadata: { name: "localstack-init", labels: labels(v, "localstack") },
        data: { "init-aws.sh": localstackInitScript },
      }),
    },
    {
      object: new Deployment({
        metadata: { name: "localstack", labels: labels(v, "localstack") },
        spec: {
          replicas: 1,
          selector: { matchLabels: selector("localstack") },
          template: {
            metadata: { labels: labels(v, "localstack") },
            spec: {
              containers: [
                {
                  name: "localstack",
                  image: v.scalar("$.Values.localstack.image", "localstack/localstack:4.4"),
                  ports: [{ name: "localstack", containerPort: 4566, protocol: "TCP" }],
                  env: [
                    { name: "SERVICES", value: "sqs,dynamodb" },
                    { name: "AWS_DEFAULT_REGION", value: v.scalar("$.Values.region", "us-east-1") },
                    {
                      name: "QUEUE_NAME",
                      value: v.scalar("$.Values.sqs.queueUrl | base", "toggle-analytics-queue"),
                    },
                    {
                      name: "EVENTS_TABLE",
                      value: v.scalar("$.Values.dynamodb.eventsTable", "analytics_events"),
                    },
                    {
                      name: "COUNTERS_TABLE",
                      value: v.scalar("$.Values.dynamodb.countersTable", "analytics_counters"),
                    },
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
    service(v, "localstack", "localstack", 4566),
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
