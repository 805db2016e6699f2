/**
 * The shared chart of the five ToggleMaster services: one release per service, each with its
 * own values file (charts/values/<service>.yaml, generated from the topology) layered under
 * the environment's files.
 */
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import {
  type INetworkPolicyEgressRule,
  type INetworkPolicyPeer,
  Ingress,
  NetworkPolicy,
} from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import type { IProbe, ITopologySpreadConstraint } from "kubernetes-models/v1";
import { ConfigMap, Service, ServiceAccount } from "kubernetes-models/v1";
import { TOPOLOGY } from "../../services/shared/topology.ts";
import type { ChartDocument, ChartTemplate, Values } from "./template.ts";

export const chartName = "toggle-service";

/** Labels every service pod carries; network policies select peers by them. */
export const PART_OF = { "app.kubernetes.io/part-of": "toggle-master" } as const;
/** The cluster DNS pods, which every pod must reach to resolve names. */
export const CLUSTER_DNS: INetworkPolicyPeer = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};
const DNS_PORT = 53;

const samplePort = TOPOLOGY.auth.port;
const name = (v: Values) => v.scalar('include "toggle-service.name" $', "auth");
const port = (v: Values) => v.scalar("$.Values.port", samplePort);
const serviceAccountName = (v: Values) =>
  v.scalar('include "toggle-service.serviceAccountName" $', "auth-service");

function selectorLabels(v: Values): Record<string, string> {
  return { "app.kubernetes.io/name": name(v), ...PART_OF };
}

function metadata(v: Values, objectName: string = name(v)) {
  return {
    name: objectName,
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

/** An object named after the service with a suffix, such as `auth-admin`. */
const suffixed = (v: Values, suffix: string) =>
  v.scalar(`printf "%s-${suffix}" (include "toggle-service.name" $)`, `auth-${suffix}`);

function probe(v: Values, kind: "startup" | "readiness" | "liveness", samplePath: string): IProbe {
  const values = `$.Values.probes.${kind}`;
  return {
    httpGet: { path: v.scalar(`${values}.path`, samplePath), port: port(v) },
    initialDelaySeconds: v.scalar(`${values}.initialDelaySeconds`, 0),
    periodSeconds: v.scalar(`${values}.periodSeconds`, 10),
    failureThreshold: v.scalar(`${values}.failureThreshold`, 3),
    timeoutSeconds: v.scalar(`${values}.timeoutSeconds`, 2),
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
          // One extra pod at a time and none taken away: the pod budget counts one surge pod
          // per service (charts/README.md, "Pod budget").
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels: metadata(v).labels,
              annotations: {
                "prometheus.io/scrape": "true",
                "prometheus.io/port": v.scalar("$.Values.port | toString", String(samplePort)),
                "prometheus.io/path": v.scalar("$.Values.metrics.path", "/metrics"),
                // Roll the pods when their settings or their Secret's contents change.
                "checksum/config": v.scalar(
                  'include (print $.Template.BasePath "/configmap.yaml") $ | sha256sum',
                  "0".repeat(64),
                ),
                "checksum/secrets": v.scalar(
                  'include "toggle-service.secretsChecksum" $',
                  "0".repeat(64),
                ),
              },
            },
            spec: {
              serviceAccountName: serviceAccountName(v),
              // The EKS pod identity webhook mounts its own token; the API token is not needed.
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              terminationGracePeriodSeconds: v.scalar(
                "$.Values.lifecycle.terminationGracePeriodSeconds",
                15,
              ),
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
                  image: v.scalar(
                    'include "toggle-service.image" $',
                    "toggle-master/auth:0123abcd4567",
                  ),
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
                  // The image has no shell: the kubelet itself waits before sending SIGTERM.
                  lifecycle: {
                    preStop: {
                      sleep: { seconds: v.scalar("$.Values.lifecycle.preStopSeconds", 5) },
                    },
                  },
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
        data: v.yaml('include "toggle-service.config" $', {
          PORT: String(samplePort),
          LOG_LEVEL: "info",
        }),
      }),
    },
  ],
};

/** With two or more replicas one must stay up; a single-replica service may be moved. */
const podDisruptionBudget: ChartTemplate = {
  file: "poddisruptionbudget.yaml",
  build: (v) => [
    {
      object: new PodDisruptionBudget({
        metadata: metadata(v),
        spec: {
          minAvailable: v.scalar("$.Values.podDisruptionBudget.minAvailable", 1),
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
          minReplicas: v.scalar("$.Values.autoscaling.minReplicas", 2),
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

function ingressDocument(
  v: Values,
  objectName: string,
  paths: string,
  samplePaths: [string, ...string[]],
  annotations?: Record<string, string>,
): Ingress {
  return new Ingress({
    metadata: { ...metadata(v, objectName), ...(annotations && { annotations }) },
    spec: {
      ingressClassName: v.scalar("$.Values.ingress.className", "nginx"),
      rules: [
        {
          http: {
            paths: v.range(
              { over: paths, fields: { path: "." } },
              samplePaths.map((path) => ({ path })) as [{ path: string }],
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
  });
}

const ingress: ChartTemplate = {
  file: "ingress.yaml",
  build: (v) => [
    {
      condition: "$.Values.ingress.paths",
      object: ingressDocument(v, name(v), "$.Values.ingress.paths", ["/validate", "/token"]),
    },
  ],
};

/**
 * Operator routes, on the public controller only for the source ranges the environment
 * allows; with none (the default) they are not routed at all.
 */
const adminIngress: ChartTemplate = {
  file: "admin-ingress.yaml",
  build: (v) => [
    {
      condition: "and $.Values.adminIngress.paths $.Values.adminIngress.allowedSourceRanges",
      object: ingressDocument(v, suffixed(v, "admin"), "$.Values.adminIngress.paths", ["/admin"], {
        "nginx.ingress.kubernetes.io/whitelist-source-range": v.scalar(
          'join "," $.Values.adminIngress.allowedSourceRanges',
          "203.0.113.0/24",
        ),
      }),
    },
  ],
};

const ingressController: INetworkPolicyPeer = {
  podSelector: {
    matchLabels: {
      "app.kubernetes.io/name": "ingress-nginx",
      "app.kubernetes.io/component": "controller",
    },
  },
};

function servicePeer(service: string): INetworkPolicyPeer {
  return { podSelector: { matchLabels: { "app.kubernetes.io/name": service, ...PART_OF } } };
}

const dnsRule: INetworkPolicyEgressRule = {
  to: [CLUSTER_DNS],
  ports: [
    { protocol: "UDP", port: DNS_PORT },
    { protocol: "TCP", port: DNS_PORT },
  ],
};

/**
 * In: the ingress controller, the client services and, optionally, a scraper. Out: DNS and
 * the services it calls. Its backends get a policy of their own, below.
 */
const networkPolicy: ChartTemplate = {
  file: "networkpolicy.yaml",
  build: (v) => [
    {
      object: new NetworkPolicy({
        metadata: metadata(v),
        spec: {
          podSelector: { matchLabels: selectorLabels(v) },
          policyTypes: ["Ingress", "Egress"],
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
                  ...ingressController,
                },
                ...v.range(
                  { over: "$.Values.networkPolicy.allowFrom", fields: { service: "." } },
                  [{ service: "flag" }],
                  (item) => servicePeer(item.service),
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
          egress: [
            dnsRule,
            ...v.range(
              {
                over: "$.Values.networkPolicy.egress.peers",
                fields: { service: ".service", port: ".port" },
              },
              [{ service: "auth", port: samplePort }],
              (item): INetworkPolicyEgressRule => ({
                to: [servicePeer(String(item.service))],
                ports: [{ protocol: "TCP", port: item.port }],
              }),
            ),
          ],
        },
      }),
    },
    backendPolicy(v),
  ],
};

/** Out to the databases, Redis and AWS it uses, reached as the environment says. */
function backendPolicy(v: Values): ChartDocument {
  return {
    condition: "$.Values.networkPolicy.egress.backends",
    object: new NetworkPolicy({
      metadata: metadata(v, suffixed(v, "backends")),
      spec: {
        podSelector: { matchLabels: selectorLabels(v) },
        policyTypes: ["Egress"],
        egress: v.yaml<INetworkPolicyEgressRule[]>('include "toggle-service.backendEgress" $', [
          { to: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] },
        ]),
      },
    }),
  };
}

export const templates: ChartTemplate[] = [
  adminIngress,
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

{{/* Image reference: [registry/]prefix/name:tag, where the tag names a commit. */}}
{{- define "toggle-service.image" -}}
{{- with .Values.image.registry }}{{ . }}/{{ end }}{{ .Values.image.repositoryPrefix }}/{{ include "toggle-service.name" . }}:{{ required "image.tag is required: build the images (kind/build-images.sh, cdk/scripts/push-images.sh), which write it" .Values.image.tag }}
{{- end }}

{{/* The IAM role of this service from the environment's serviceAccountRoles, if any. */}}
{{- define "toggle-service.serviceAccountAnnotations" -}}
{{- $role := get (.Values.serviceAccountRoles | default (dict)) .Values.name | default "" -}}
{{- toYaml (ternary (dict "eks.amazonaws.com/role-arn" $role) (dict) (ne $role "")) -}}
{{- end }}

{{/* Plain settings: PORT, each platformEnv variable resolved from the environment's
     infrastructure values (empty ones left out), then the release's own env. */}}
{{- define "toggle-service.config" -}}
{{- $config := dict "PORT" (toString .Values.port) -}}
{{- range $variable, $wiring := .Values.platformEnv -}}
{{- with include "toggle-service.wiredValue" (dict "wiring" $wiring "Values" $.Values) }}{{ $_ := set $config $variable . }}{{ end -}}
{{- end -}}
{{- range $setting, $value := .Values.env }}{{ $_ := set $config $setting (toString $value) }}{{ end -}}
{{- toYaml $config -}}
{{- end }}

{{/* The value of one wired variable (services/shared/topology.ts says where each comes from). */}}
{{- define "toggle-service.wiredValue" -}}
{{- $wiring := .wiring -}}
{{- $values := .Values -}}
{{- if eq $wiring.from "peer" }}{{ printf "http://%s:%v" $wiring.service $wiring.port }}
{{- else if eq $wiring.from "redis" }}{{ with $values.redis.host }}{{ printf "redis://%s:%v" . $values.redis.port }}{{ end }}
{{- else if eq $wiring.from "queue" }}{{ $values.sqs.queueUrl }}
{{- else if eq $wiring.from "table" }}{{ required (printf "dynamodb.tables.%s is required" $wiring.table) (get $values.dynamodb.tables $wiring.table) }}
{{- else if eq $wiring.from "region" }}{{ $values.region }}
{{- else if eq $wiring.from "emulator" }}{{ get $values.aws $wiring.setting }}
{{- else }}{{ fail (printf "platformEnv: unknown source %s" $wiring.from) }}
{{- end -}}
{{- end }}

{{/* The contents of the Secrets the pods read, as the cluster holds them when this is
     applied (empty under helm template): a new value rolls the pods on the next apply. */}}
{{- define "toggle-service.secretsChecksum" -}}
{{- $contents := dict -}}
{{- range $variable, $ref := .Values.secretEnv -}}
{{- $secret := lookup "v1" "Secret" $.Release.Namespace $ref.secret | default dict -}}
{{- $_ := set $contents $ref.secret ($secret.data | default dict) -}}
{{- end -}}
{{- toJson $contents | sha256sum -}}
{{- end }}

{{/* Egress rules to each backend the service uses, from the environment's backendEgress. */}}
{{- define "toggle-service.backendEgress" -}}
{{- $rules := list -}}
{{- range $backend := .Values.networkPolicy.egress.backends -}}
{{- $rules = concat $rules (required (printf "backendEgress.%s is required" $backend) (get ($.Values.backendEgress | default dict) $backend)) -}}
{{- end -}}
{{- toYaml $rules -}}
{{- end }}
`;
