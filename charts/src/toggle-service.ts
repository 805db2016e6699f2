/**
 * The shared chart of the five ToggleMaster services: one release per service, each with its
 * own values file (charts/values/<service>.yaml) layered under the environment's files.
 */
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import type { IProbe, ITopologySpreadConstraint } from "kubernetes-models/v1";
import { ConfigMap, Service, ServiceAccount } from "kubernetes-models/v1";
import type { ChartTemplate, Values } from "./template.ts";

export const chartName = "toggle-service";

const name = (v: Values) => v.scalar('include "toggle-service.name" $', "auth");
const port = (v: Values) => v.scalar("$.Values.port", 8001);
const serviceAccountName = (v: Values) =>
  v.scalar('include "toggle-service.serviceAccountName" $', "auth-service");

function selectorLabels(v: Values): Record<string, string> {
  return { "app.kubernetes.io/name": name(v), "app.kubernetes.io/part-of": "toggle-master" };
}

function metadata(v: Values) {
  return {
    name: name(v),
    labels: {
      ...selectorLabels(v),
      "app.kubernetes.io/instance": v.scalar("$.Release.Name", "auth"),
      "app.kubernetes.io/managed-by": v.scalar("$.Release.Service", "Helm"),
      "helm.sh/chart": v.scalar(
        'printf "%s-%s" $.Chart.Name $.Chart.Version',
        "toggle-service-0.1.0",
      ),
    },
  };
}

function probe(v: Values, kind: "startup" | "readiness" | "liveness", samplePath: string): IProbe {
  const values = `$.Values.probes.${kind}`;
  return {
    httpGet: { path: v.scalar(`${values}.path`, samplePath), port: port(v) },
    initialDelaySeconds: v.scalar(`${values}.initialDelaySeconds`, 0),
    periodSeconds: v.scalar(`${values}.periodSeconds`, 10),
    failureThreshold: v.scalar(`${values}.failureThreshold`, 3),
  };
}

/** Spreads replicas over zones first, then nodes; soft, so a one-zone cluster still schedules. */
function spread(v: Values, topologyKey: string): ITopologySpreadConstraint {
  return {
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: selectorLabels(v) },
    matchLabelKeys: ["pod-template-hash"],
  };
}

const deployment: ChartTemplate = {
  file: "deployment.yaml",
  build: (v) => [
    {
      object: new Deployment({
        metadata: metadata(v),
        spec: {
          revisionHistoryLimit: 5,
          selector: { matchLabels: selectorLabels(v) },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels: metadata(v).labels,
              annotations: {
                "prometheus.io/scrape": "true",
                "prometheus.io/port": v.scalar("$.Values.port | toString", "8001"),
                "prometheus.io/path": v.scalar("$.Values.metrics.path", "/metrics"),
                // Rolls the pods when their settings change.
                "checksum/config": v.scalar(
                  'include (print $.Template.BasePath "/configmap.yaml") $ | sha256sum',
                  "0".repeat(64),
                ),
              },
            },
            spec: {
              serviceAccountName: serviceAccountName(v),
              // The EKS pod identity webhook mounts its own token; the API token is not needed.
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                seccompProfile: { type: "RuntimeDefault" },
              },
              topologySpreadConstraints: [
                spread(v, "topology.kubernetes.io/zone"),
                spread(v, "kubernetes.io/hostname"),
              ],
              containers: [
                {
                  name: name(v),
                  image: v.scalar('include "toggle-service.image" $', "toggle-master/auth:dev"),
                  imagePullPolicy: v.scalar("$.Values.image.pullPolicy", "IfNotPresent"),
                  ports: [{ name: "http", containerPort: port(v), protocol: "TCP" }],
                  envFrom: [{ configMapRef: { name: name(v) } }],
                  env: v.range(
                    {
                      over: "$env, $ref := $.Values.secretEnv",
                      fields: { env: "$env", secret: "$ref.secret", key: "$ref.key" },
                    },
                    [{ env: "DATABASE_URL", secret: "toggle-auth", key: "DATABASE_URL" }],
                    (item) => ({
                      name: item.env,
                      valueFrom: { secretKeyRef: { name: item.secret, key: item.key } },
                    }),
                  ),
                  resources: {
                    requests: {
                      cpu: v.scalar("$.Values.resources.requests.cpu", "50m"),
                      memory: v.scalar("$.Values.resources.requests.memory", "64Mi"),
                    },
                    limits: {
                      cpu: v.scalar("$.Values.resources.limits.cpu", "500m"),
                      memory: v.scalar("$.Values.resources.limits.memory", "256Mi"),
                    },
                  },
                  startupProbe: probe(v, "startup", "/health"),
                  readinessProbe: probe(v, "readiness", "/health/ready"),
                  livenessProbe: probe(v, "liveness", "/health"),
                  securityContext: {
                    runAsNonRoot: true,
                    readOnlyRootFilesystem: true,
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                  },
                },
              ],
            },
          },
        },
      }),
    },
  ],
};

const service: ChartTemplate = {
  file: "service.yaml",
  build: (v) => [
    {
      object: new Service({
        metadata: metadata(v),
        spec: {
          type: "ClusterIP",
          selector: selectorLabels(v),
          ports: [{ name: "http", port: port(v), targetPort: "http", protocol: "TCP" }],
        },
      }),
    },
  ],
};

const serviceAccount: ChartTemplate = {
  file: "serviceaccount.yaml",
  build: (v) => [
    {
      object: new ServiceAccount({
        metadata: {
          ...metadata(v),
          name: serviceAccountName(v),
          annotations: v.yaml('include "toggle-service.serviceAccountAnnotations" $', {
            "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/toggle-evaluation",
          }),
        },
        automountServiceAccountToken: false,
      }),
    },
  ],
};

const configMap: ChartTemplate = {
  file: "configmap.yaml",
  build: (v) => [
    {
      object: new ConfigMap({
        metadata: metadata(v),
        data: v.yaml('include "toggle-service.config" $', { PORT: "8001", LOG_LEVEL: "info" }),
      }),
    },
  ],
};

const podDisruptionBudget: ChartTemplate = {
  file: "poddisruptionbudget.yaml",
  build: (v) => [
    {
      object: new PodDisruptionBudget({
        metadata: metadata(v),
        spec: {
          maxUnavailable: v.scalar("$.Values.podDisruptionBudget.maxUnavailable", 1),
          selector: { matchLabels: selectorLabels(v) },
        },
      }),
    },
  ],
};

const horizontalPodAutoscaler: ChartTemplate = {
  file: "horizontalpodautoscaler.yaml",
  build: (v) => [
    {
      object: new HorizontalPodAutoscaler({
        metadata: metadata(v),
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: name(v) },
          minReplicas: v.scalar("$.Values.autoscaling.minReplicas", 1),
          maxReplicas: v.scalar("$.Values.autoscaling.maxReplicas", 3),
          metrics: [
            {
              type: "Resource",
              resource: {
                name: "cpu",
                target: {
                  type: "Utilization",
                  averageUtilization: v.scalar("$.Values.autoscaling.cpuUtilization", 70),
                },
              },
            },
          ],
        },
      }),
    },
  ],
};

const ingress: ChartTemplate = {
  file: "ingress.yaml",
  build: (v) => [
    {
      condition: "$.Values.ingress.paths",
      object: new Ingress({
        metadata: metadata(v),
        spec: {
          ingressClassName: v.scalar("$.Values.ingress.className", "nginx"),
          rules: [
            {
              http: {
                paths: v.range(
                  { over: "$.Values.ingress.paths", fields: { path: "." } },
                  [{ path: "/admin" }, { path: "/validate" }],
                  (item) => ({
                    path: item.path,
                    pathType: "Prefix",
                    backend: { service: { name: name(v), port: { number: port(v) } } },
                  }),
                ),
              },
            },
          ],
        },
      }),
    },
  ],
};

/** Only the ingress controller, the listed client services and, optionally, a scraper get in. */
const networkPolicy: ChartTemplate = {
  file: "networkpolicy.yaml",
  build: (v) => [
    {
      object: new NetworkPolicy({
        metadata: metadata(v),
        spec: {
          podSelector: { matchLabels: selectorLabels(v) },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchLabels: {
                      "kubernetes.io/metadata.name": v.scalar(
                        "$.Values.networkPolicy.ingressControllerNamespace",
                        "ingress-nginx",
                      ),
                    },
                  },
                  podSelector: {
                    matchLabels: {
                      "app.kubernetes.io/name": "ingress-nginx",
                      "app.kubernetes.io/component": "controller",
                    },
                  },
                },
                ...v.range(
                  { over: "$.Values.networkPolicy.allowFrom", fields: { service: "." } },
                  [{ service: "flag" }],
                  (item) => ({
                    podSelector: {
                      matchLabels: {
                        "app.kubernetes.io/name": item.service,
                        "app.kubernetes.io/part-of": "toggle-master",
                      },
                    },
                  }),
                ),
                ...v.when("$.Values.networkPolicy.scrapeNamespace", () => ({
                  namespaceSelector: {
                    matchLabels: {
                      "kubernetes.io/metadata.name": v.scalar(
                        "$.Values.networkPolicy.scrapeNamespace",
                        "monitoring",
                      ),
                    },
                  },
                })),
              ],
              ports: [{ protocol: "TCP", port: port(v) }],
            },
          ],
        },
      }),
    },
  ],
};

export const templates: ChartTemplate[] = [
  configMap,
  deployment,
  horizontalPodAutoscaler,
  ingress,
  networkPolicy,
  podDisruptionBudget,
  service,
  serviceAccount,
];

/** Named templates the objects above include. */
export const helpers = `{{/* The service name; every object of a release is named after it. */}}
{{- define "toggle-service.name" -}}
{{- required "values: name (the service: auth, flag, targeting, evaluation, analytics) is required" .Values.name -}}
{{- end }}

{{/* <name>-service: the name the IAM roles of the EKS stack trust. */}}
{{- define "toggle-service.serviceAccountName" -}}
{{- printf "%s-service" (include "toggle-service.name" .) -}}
{{- end }}

{{/* Image reference: [registry/]prefix/name:tag. */}}
{{- define "toggle-service.image" -}}
{{- with .Values.image.registry }}{{ . }}/{{ end }}{{ .Values.image.repositoryPrefix }}/{{ include "toggle-service.name" . }}:{{ .Values.image.tag }}
{{- end }}

{{/* The IAM role of this service from the environment's serviceAccountRoles, if any. */}}
{{- define "toggle-service.serviceAccountAnnotations" -}}
{{- $role := get (.Values.serviceAccountRoles | default (dict)) .Values.name | default "" -}}
{{- toYaml (ternary (dict "eks.amazonaws.com/role-arn" $role) (dict) (ne $role "")) -}}
{{- end }}

{{/* Plain settings: PORT, each platformEnv name resolved from the environment's
     infrastructure values (empty ones left out), then the release's own env. */}}
{{- define "toggle-service.config" -}}
{{- $redisUrl := "" -}}
{{- with .Values.redis.host }}{{ $redisUrl = printf "redis://%s:%v" . $.Values.redis.port }}{{ end -}}
{{- $platform := dict
      "REDIS_URL" $redisUrl
      "AWS_REGION" .Values.region
      "AWS_SQS_URL" .Values.sqs.queueUrl
      "AWS_DYNAMODB_TABLE" .Values.dynamodb.eventsTable
      "AWS_DYNAMODB_COUNTERS_TABLE" .Values.dynamodb.countersTable
      "AWS_ENDPOINT_URL" .Values.aws.endpointUrl
      "AWS_ACCESS_KEY_ID" .Values.aws.accessKeyId
      "AWS_SECRET_ACCESS_KEY" .Values.aws.secretAccessKey -}}
{{- $config := dict "PORT" (toString .Values.port) -}}
{{- range $setting := .Values.platformEnv -}}
{{- if not (hasKey $platform $setting) }}{{ fail (printf "platformEnv: unknown setting %s" $setting) }}{{ end -}}
{{- with get $platform $setting }}{{ $_ := set $config $setting (toString .) }}{{ end -}}
{{- end -}}
{{- range $setting, $value := .Values.env }}{{ $_ := set $config $setting (toString $value) }}{{ end -}}
{{- toYaml $config -}}
{{- end }}
`;
