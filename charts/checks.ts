/**
 * Rules every rendered environment must satisfy. Each check returns the problems it found
 * (empty when the manifests comply), so a test can show that a broken manifest fails it.
 */
import type { ServiceName } from "../services/shared/topology.ts";
import {
  ADMIN_ROUTES,
  awsServices,
  type Backend,
  contract,
  type ProbeContract,
  secretVariables,
  serviceAccountName,
} from "./contract.ts";
import type { ValuesTree } from "./helmfile.ts";
import type { Manifest } from "./render.ts";
import { CLUSTER_DNS } from "./src/toggle-service.ts";

export type Environment = "kind" | "eks";

/** What a check sees: the rendered objects and the environment's values. */
export interface Rendered {
  manifests: Manifest[];
  environment: Environment;
  values: ValuesTree;
}

export interface Check {
  description: string;
  run: (rendered: Rendered) => string[];
}

type Labels = Record<string, string>;

// biome-ignore lint/suspicious/noExplicitAny: container and probe shapes are walked loosely.
type Loose = any;

const services = Object.keys(contract) as ServiceName[];
const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const named = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name);
const workloads = (manifests: Manifest[]) =>
  manifests.filter((m) => m.kind === "Deployment" || m.kind === "StatefulSet");
const podLabels = (workload: Manifest): Labels => workload.spec?.template?.metadata?.labels ?? {};
const containers = (workload: Manifest): Loose[] => workload.spec?.template?.spec?.containers ?? [];
/** Key order does not matter when comparing rendered objects with expected ones. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );

/** A selector matches when every one of its labels is on the object; an empty one never does. */
function selects(selector: Labels | undefined, labels: Labels): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

function selectedWorkloads(manifests: Manifest[], selector: Labels | undefined): Manifest[] {
  return workloads(manifests).filter((workload) => selects(selector, podLabels(workload)));
}

/** Runs `inspect` on each service's Deployment, reporting services that have none. */
function perService(
  manifests: Manifest[],
  inspect: (deployment: Manifest, service: ServiceName) => string[],
): string[] {
  return services.flatMap((service) => {
    const deployment = named(manifests, "Deployment", service);
    return deployment ? inspect(deployment, service) : [`${service}: no Deployment`];
  });
}

/** The network policies that select a workload's pods. */
const policiesOf = (manifests: Manifest[], workload: Manifest) =>
  ofKind(manifests, "NetworkPolicy").filter((policy) =>
    selects(policy.spec?.podSelector?.matchLabels, podLabels(workload)),
  );

const requiredObjects: Check = {
  description:
    "every service has its Deployment, Service, ServiceAccount, ConfigMap, PDB, HPA, NetworkPolicy",
  run: ({ manifests }) =>
    services.flatMap((service) =>
      [
        ["Deployment", service],
        ["Service", service],
        ["ServiceAccount", serviceAccountName(service)],
        ["ConfigMap", service],
        ["PodDisruptionBudget", service],
        ["HorizontalPodAutoscaler", service],
        ["NetworkPolicy", service],
      ]
        .filter(([kind = "", name = ""]) => !named(manifests, kind, name))
        .map(([kind, name]) => `${service}: no ${kind} ${name}`),
    ),
};

function probeProblems(container: Loose, service: ServiceName, expected: ProbeContract): string[] {
  const port = contract[service].port;
  return (["startup", "readiness", "liveness"] as const).flatMap((kind) => {
    const probe = container[`${kind}Probe`];
    if (!probe?.httpGet) return [`${service}: no HTTP ${kind} probe`];
    const want = expected[kind];
    const problems: string[] = [];
    if (probe.httpGet.path !== want.path)
      problems.push(`${service}: ${kind} probe path ${probe.httpGet.path}, want ${want.path}`);
    if (probe.httpGet.port !== port)
      problems.push(`${service}: ${kind} probe port ${probe.httpGet.port}, want ${port}`);
    for (const field of [
      "initialDelaySeconds",
      "periodSeconds",
      "failureThreshold",
      "timeoutSeconds",
    ] as const) {
      if (probe[field] !== want[field])
        problems.push(`${service}: ${kind} probe ${field} ${probe[field]}, want ${want[field]}`);
    }
    if (!(probe.timeoutSeconds < probe.periodSeconds))
      problems.push(`${service}: ${kind} probe times out no sooner than its period`);
    return problems;
  });
}

const probes: Check = {
  description:
    "startup, readiness and liveness probes as the contract says, with explicit timeouts",
  run: ({ manifests }) =>
    perService(manifests, (deployment, service) => {
      const [container] = containers(deployment);
      return container
        ? probeProblems(container, service, contract[service].probes)
        : [`${service}: no container`];
    }),
};

const resources: Check = {
  description: "every container of every workload has CPU and memory requests and limits",
  run: ({ manifests }) =>
    workloads(manifests).flatMap((workload) =>
      containers(workload).flatMap((container) =>
        ["requests", "limits"].flatMap((bound) =>
          ["cpu", "memory"]
            .filter((resource) => !container.resources?.[bound]?.[resource])
            .map(
              (resource) => `${workload.metadata.name}/${container.name}: no ${resource} ${bound}`,
            ),
        ),
      ),
    ),
};

const securityContext: Check = {
  description:
    "services run non-root, read-only, unprivileged, with no capabilities and RuntimeDefault seccomp",
  run: ({ manifests }) =>
    perService(manifests, (deployment, service) => {
      const pod = deployment.spec?.template?.spec?.securityContext ?? {};
      return containers(deployment).flatMap((container) => {
        const context = container.securityContext ?? {};
        const problems: [boolean, string][] = [
          [(context.runAsNonRoot ?? pod.runAsNonRoot) === true, "runAsNonRoot"],
          [context.readOnlyRootFilesystem === true, "readOnlyRootFilesystem"],
          [context.allowPrivilegeEscalation === false, "allowPrivilegeEscalation false"],
          [context.capabilities?.drop?.includes("ALL") === true, "capabilities drop ALL"],
          [
            (context.seccompProfile ?? pod.seccompProfile)?.type === "RuntimeDefault",
            "seccomp RuntimeDefault",
          ],
        ];
        return problems.filter(([ok]) => !ok).map(([, rule]) => `${service}: not ${rule}`);
      });
    }),
};

const rollout: Check = {
  description:
    "rolling updates add one pod at a time and never drop below capacity; pods spread over zones",
  run: ({ manifests }) =>
    perService(manifests, (deployment, service) => {
      const problems: string[] = [];
      const strategy = deployment.spec?.strategy;
      if (strategy?.type !== "RollingUpdate" || strategy.rollingUpdate?.maxUnavailable !== 0)
        problems.push(`${service}: rolling update maxUnavailable is not 0`);
      // The pod budget counts exactly one surge pod per service.
      if (strategy?.rollingUpdate?.maxSurge !== 1)
        problems.push(`${service}: rolling update maxSurge is not 1`);
      const zoneSpread = (deployment.spec?.template?.spec?.topologySpreadConstraints ?? []).find(
        (constraint: Loose) =>
          constraint.topologyKey === "topology.kubernetes.io/zone" &&
          selects(constraint.labelSelector?.matchLabels, podLabels(deployment)),
      );
      if (!zoneSpread) problems.push(`${service}: no topology spread over zones for its pods`);
      return problems;
    }),
};

const shutdown: Check = {
  description:
    "pods keep serving for the preStop pause, and the grace period covers it and the service's shutdown",
  run: ({ manifests }) =>
    perService(manifests, (deployment, service) => {
      const want = contract[service];
      const [container] = containers(deployment);
      const pause = container?.lifecycle?.preStop?.sleep?.seconds;
      const grace = deployment.spec?.template?.spec?.terminationGracePeriodSeconds;
      const problems: string[] = [];
      if (pause !== want.preStopSeconds)
        problems.push(`${service}: preStop sleep ${pause}, want ${want.preStopSeconds}`);
      if (!(typeof grace === "number" && grace >= (pause ?? 0) + want.shutdownSeconds))
        problems.push(
          `${service}: terminationGracePeriodSeconds ${grace} < preStop ${pause} + shutdown ${want.shutdownSeconds}`,
        );
      return problems;
    }),
};

const rolloutTriggers: Check = {
  description: "pods roll when their ConfigMap or their Secret's contents change",
  run: ({ manifests }) =>
    perService(manifests, (deployment, service) => {
      const annotations: Labels = deployment.spec?.template?.metadata?.annotations ?? {};
      return ["checksum/config", "checksum/secrets"]
        .filter((key) => !/^[0-9a-f]{64}$/.test(annotations[key] ?? ""))
        .map((key) => `${service}: no ${key} annotation`);
    }),
};

const selectors: Check = {
  description: "selectors match pod labels",
  run: ({ manifests }) => [
    ...workloads(manifests)
      .filter((workload) => !selects(workload.spec?.selector?.matchLabels, podLabels(workload)))
      .map((workload) => `${workload.kind}/${workload.metadata.name}: selector misses its pods`),
    ...ofKind(manifests, "Service")
      .filter((service) => selectedWorkloads(manifests, service.spec?.selector).length === 0)
      .map((service) => `Service/${service.metadata.name}: selects no pods`),
    ...ofKind(manifests, "PodDisruptionBudget")
      .filter((pdb) => selectedWorkloads(manifests, pdb.spec?.selector?.matchLabels).length === 0)
      .map((pdb) => `PodDisruptionBudget/${pdb.metadata.name}: selects no pods`),
    ...ofKind(manifests, "NetworkPolicy")
      .filter(
        (policy) =>
          selectedWorkloads(manifests, policy.spec?.podSelector?.matchLabels).length === 0,
      )
      .map((policy) => `NetworkPolicy/${policy.metadata.name}: selects no pods`),
    ...ofKind(manifests, "HorizontalPodAutoscaler")
      .filter(
        (hpa) => !named(manifests, hpa.spec?.scaleTargetRef?.kind, hpa.spec?.scaleTargetRef?.name),
      )
      .map((hpa) => `HorizontalPodAutoscaler/${hpa.metadata.name}: target does not exist`),
  ],
};

const servicePorts: Check = {
  description: "every Service targetPort is a container port of the pods it selects",
  run: ({ manifests }) =>
    ofKind(manifests, "Service").flatMap((service) => {
      const ports = selectedWorkloads(manifests, service.spec?.selector).flatMap((workload) =>
        containers(workload).flatMap((container) => container.ports ?? []),
      );
      return (service.spec?.ports ?? [])
        .filter((port: Loose) => {
          const target = port.targetPort ?? port.port;
          return !ports.some((p: Loose) => p.containerPort === target || p.name === target);
        })
        .map(
          (port: Loose) =>
            `Service/${service.metadata.name}: targetPort ${port.targetPort} matches no container port`,
        );
    }),
};

function ingressPaths(manifests: Manifest[]): { ingress: Manifest; path: Loose }[] {
  return ofKind(manifests, "Ingress").flatMap((ingress) =>
    (ingress.spec?.rules ?? []).flatMap((rule: Loose) =>
      (rule.http?.paths ?? []).map((path: Loose) => ({ ingress, path })),
    ),
  );
}

const SOURCE_RANGE_ANNOTATION = "nginx.ingress.kubernetes.io/whitelist-source-range";
const isRestricted = (ingress: Manifest) =>
  (ingress.metadata.annotations?.[SOURCE_RANGE_ANNOTATION] ?? "") !== "";

const ingressBackends: Check = {
  description: "every Ingress is class nginx and each backend is an existing Service port",
  run: ({ manifests }) => [
    ...ofKind(manifests, "Ingress")
      .filter((ingress) => ingress.spec?.ingressClassName !== "nginx")
      .map((ingress) => `Ingress/${ingress.metadata.name}: class is not nginx`),
    ...ingressPaths(manifests).flatMap(({ ingress, path }) => {
      const backend = path.backend?.service;
      const service = named(manifests, "Service", backend?.name);
      const port = (service?.spec?.ports ?? []).find(
        (p: Loose) =>
          p.port === backend?.port?.number || (p.name && p.name === backend?.port?.name),
      );
      return port
        ? []
        : [`Ingress/${ingress.metadata.name} ${path.path}: no Service port for its backend`];
    }),
  ],
};

const ingressRoutes: Check = {
  description: "each public route of the topology reaches its service, and nothing else is public",
  run: ({ manifests }) => {
    const publicPaths = ingressPaths(manifests).filter(({ ingress }) => !isRestricted(ingress));
    const routes = new Map(publicPaths.map(({ path }) => [path.path, path.backend?.service?.name]));
    const expected = new Map(
      services.flatMap((service) =>
        contract[service].publicRoutes.map((route) => [route, service]),
      ),
    );
    return [
      ...[...expected]
        .filter(([route, service]) => routes.get(route) !== service)
        .map(
          ([route, service]) =>
            `route ${route}: goes to ${routes.get(route) ?? "nothing"}, want ${service}`,
        ),
      ...[...routes.keys()]
        .filter((route) => !expected.has(route))
        .map((route) => `route ${route}: public, but not a public route of the topology`),
    ];
  },
};

const adminAccess: Check = {
  description:
    "operator routes are on no Ingress unless the environment allows source ranges, and then only with them",
  run: ({ manifests, values }) => {
    const allowed: string[] = values.adminIngress?.allowedSourceRanges ?? [];
    const adminPaths = ingressPaths(manifests).filter(({ path }) =>
      ADMIN_ROUTES.some((route) => path.path === route || path.path.startsWith(`${route}/`)),
    );
    return adminPaths.flatMap(({ ingress, path }) => {
      const ranges = ingress.metadata.annotations?.[SOURCE_RANGE_ANNOTATION];
      if (allowed.length === 0) return [`route ${path.path}: on Ingress/${ingress.metadata.name}`];
      return ranges === allowed.join(",")
        ? []
        : [`route ${path.path}: allowed from ${ranges ?? "anywhere"}, want ${allowed.join(",")}`];
    });
  },
};

const autoscaling: Check = {
  description: "CPU autoscaling within the contract's replica range",
  run: ({ manifests }) =>
    services.flatMap((service) => {
      const hpa = named(manifests, "HorizontalPodAutoscaler", service);
      const want = contract[service].replicas;
      if (!hpa) return [`${service}: no HorizontalPodAutoscaler`];
      const problems: string[] = [];
      if (hpa.spec?.minReplicas !== want.min || hpa.spec?.maxReplicas !== want.max)
        problems.push(
          `${service}: replicas ${hpa.spec?.minReplicas}-${hpa.spec?.maxReplicas}, want ${want.min}-${want.max}`,
        );
      const cpu = (hpa.spec?.metrics ?? []).some(
        (metric: Loose) => metric.type === "Resource" && metric.resource?.name === "cpu",
      );
      if (!cpu) problems.push(`${service}: autoscaler does not use CPU`);
      return problems;
    }),
};

const disruptionBudgets: Check = {
  description:
    "a budget keeps one pod of every multi-replica service through drains; single replicas say why they may go",
  run: ({ manifests }) =>
    perService(manifests, (deployment, service) => {
      const budgets = ofKind(manifests, "PodDisruptionBudget").filter((pdb) =>
        selects(pdb.spec?.selector?.matchLabels, podLabels(deployment)),
      );
      if (budgets.length === 0) return [`${service}: no PodDisruptionBudget selects its pods`];
      const { replicas, singleReplicaReason } = contract[service];
      const minAvailable = Math.max(...budgets.map((pdb) => Number(pdb.spec?.minAvailable ?? 0)));
      if (replicas.min >= 2 && minAvailable < 1)
        return [`${service}: ${replicas.min} replicas, but a drain may take them all`];
      if (minAvailable >= replicas.min)
        return [`${service}: minAvailable ${minAvailable} blocks every drain`];
      if (minAvailable < 1 && !singleReplicaReason)
        return [`${service}: unprotected, with no reason recorded in the contract`];
      return [];
    }),
};

function peerName(peer: Loose): string {
  if (
    peer.namespaceSelector &&
    peer.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "ingress-nginx"
  )
    return "ingress-controller";
  if (!peer.namespaceSelector && peer.podSelector?.matchLabels?.["app.kubernetes.io/name"])
    return peer.podSelector.matchLabels["app.kubernetes.io/name"];
  if (peer.namespaceSelector?.matchLabels && !peer.podSelector) return "scraper namespace";
  return "anyone";
}

const networkPolicies: Check = {
  description: "only the ingress controller and the topology's clients reach each service",
  run: ({ manifests }) =>
    perService(manifests, (deployment, service) => {
      const policies = policiesOf(manifests, deployment);
      if (policies.length === 0) return [`${service}: no NetworkPolicy selects its pods`];
      const rules: Loose[] = policies.flatMap((policy) => policy.spec?.ingress ?? []);
      const peers = rules.flatMap((rule) =>
        rule.from?.length ? rule.from.map(peerName) : ["anyone"],
      );
      const allowed = new Set(peers.filter((peer: string) => peer !== "scraper namespace"));
      const want = new Set(["ingress-controller", ...contract[service].clients]);
      const problems = [...want]
        .filter((peer) => !allowed.has(peer))
        .map((peer) => `${service}: ${peer} cannot reach it`);
      problems.push(
        ...[...allowed]
          .filter((peer) => !want.has(peer))
          .map((peer) => `${service}: ${peer} may reach it`),
      );
      const port = contract[service].port;
      if (rules.some((rule) => !rule.ports?.every((p: Loose) => p.port === port)))
        problems.push(`${service}: policy opens ports other than ${port}`);
      return problems;
    }),
};

/** The egress rules a service needs: DNS, its peers, then its backends as the environment reaches them. */
function expectedEgress(service: ServiceName, values: ValuesTree): Loose[] {
  const dns = {
    to: [CLUSTER_DNS],
    ports: [
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ],
  };
  const peers = contract[service].peers.map((peer) => ({
    to: [
      {
        podSelector: {
          matchLabels: {
            "app.kubernetes.io/name": peer.service,
            "app.kubernetes.io/part-of": "toggle-master",
          },
        },
      },
    ],
    ports: [{ protocol: "TCP", port: peer.port }],
  }));
  const backends = contract[service].backends.flatMap(
    (backend: Backend) => values.backendEgress?.[backend] ?? [],
  );
  return [dns, ...peers, ...backends];
}

const egress: Check = {
  description:
    "each service may send only to DNS, the services it calls and its backends (databases, Redis, AWS)",
  run: ({ manifests, values }) =>
    perService(manifests, (deployment, service) => {
      // Egress rules count only in policies that declare the Egress type.
      const policies = policiesOf(manifests, deployment).filter((policy) =>
        policy.spec?.policyTypes?.includes("Egress"),
      );
      if (policies.length === 0) return [`${service}: no policy restricts its egress`];
      const rules: Loose[] = policies.flatMap((policy) => policy.spec?.egress ?? []);
      const have = new Set(rules.map(canonical));
      const want = expectedEgress(service, values);
      const wanted = new Set(want.map(canonical));
      return [
        ...want
          .filter((rule) => !have.has(canonical(rule)))
          .map((rule) => `${service}: cannot send to ${canonical(rule)}`),
        ...rules
          .filter((rule) => !wanted.has(canonical(rule)))
          .map((rule) => `${service}: may send to ${canonical(rule)}`),
      ];
    }),
};

function configData(manifests: Manifest[], deployment: Manifest): Record<string, string> {
  const [container] = containers(deployment);
  const names: string[] = (container?.envFrom ?? []).map(
    (source: Loose) => source.configMapRef?.name,
  );
  return Object.assign({}, ...names.map((name) => named(manifests, "ConfigMap", name)?.data ?? {}));
}

const secretReferences: Check = {
  description: "secret settings come from Secrets, never as plain values",
  run: ({ manifests }) => [
    ...perService(manifests, (deployment, service) => {
      const env: Loose[] = containers(deployment).flatMap((container) => container.env ?? []);
      return contract[service].secretEnv
        .filter(
          (variable) =>
            !env.some(
              (entry) =>
                entry.name === variable &&
                entry.valueFrom?.secretKeyRef?.name &&
                entry.valueFrom.secretKeyRef.key,
            ),
        )
        .map((variable) => `${service}: ${variable} is not a secretKeyRef`);
    }),
    ...workloads(manifests).flatMap((workload) =>
      containers(workload)
        .flatMap((container) => container.env ?? [])
        .filter((entry: Loose) => secretVariables.includes(entry.name) && entry.value !== undefined)
        .map((entry: Loose) => `${workload.metadata.name}: ${entry.name} has a plain value`),
    ),
    ...ofKind(manifests, "ConfigMap").flatMap((configMap) =>
      secretVariables
        .filter((variable) => configMap.data?.[variable] !== undefined)
        .map((variable) => `ConfigMap/${configMap.metadata.name}: holds ${variable}`),
    ),
  ],
};

const plainSettings: Check = {
  description: "each service's ConfigMap holds its settings (AWS_ENDPOINT_URL on KIND only)",
  run: ({ manifests, environment }) =>
    perService(manifests, (deployment, service) => {
      const data = configData(manifests, deployment);
      const want = contract[service];
      const required = [...want.plainEnv, ...(environment === "kind" ? want.kindOnlyEnv : [])];
      const problems = required
        .filter((name) => !data[name])
        .map((name) => `${service}: ${name} is not set`);
      if (data.PORT !== String(want.port))
        problems.push(`${service}: PORT is ${data.PORT}, want ${want.port}`);
      if (environment === "eks" && data.AWS_ENDPOINT_URL !== undefined)
        problems.push(`${service}: AWS_ENDPOINT_URL set on EKS`);
      return problems;
    }),
};

const serviceAccounts: Check = {
  description:
    "each service runs as <service>-service, the account the IAM roles trust; with IRSA the AWS users carry a role",
  run: ({ manifests, values }) =>
    perService(manifests, (deployment, service) => {
      const accountName = deployment.spec?.template?.spec?.serviceAccountName;
      if (accountName !== serviceAccountName(service))
        return [`${service}: runs as ${accountName}, want ${serviceAccountName(service)}`];
      const account = named(manifests, "ServiceAccount", accountName);
      if (!account) return [`${service}: its ServiceAccount does not exist`];
      const role = account.metadata.annotations?.["eks.amazonaws.com/role-arn"];
      const wantsRole = values.awsCredentials === "irsa" && awsServices.includes(service);
      if (wantsRole && !/^arn:aws:iam::\d{12}:role\/.+/.test(role ?? ""))
        return [`${service}: no IAM role annotation on its ServiceAccount`];
      if (!wantsRole && role !== undefined) return [`${service}: unexpected IAM role annotation`];
      return [];
    }),
};

/** A commit's short hash, marked when built from uncommitted changes (charts/image-tag.sh). */
export const IMAGE_TAG = /^[0-9a-f]{12}(-dirty-[0-9a-f]{12})?$/;

const images: Check = {
  description:
    "images are toggle-master/<service> tagged by commit (ECR on EKS, loaded locally on KIND), pulled only when missing",
  run: ({ manifests, environment }) =>
    perService(manifests, (deployment, service) => {
      const [container] = containers(deployment);
      const image: string = container?.image ?? "";
      const registry =
        environment === "eks" ? "\\d{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com/" : "";
      const [, tag = ""] =
        new RegExp(`^${registry}toggle-master/${service}:(.+)$`).exec(image) ?? [];
      const problems = IMAGE_TAG.test(tag)
        ? []
        : [`${service}: image ${image} is not tagged by commit`];
      if (container?.imagePullPolicy !== "IfNotPresent")
        problems.push(
          `${service}: imagePullPolicy ${container?.imagePullPolicy}, want IfNotPresent`,
        );
      return problems;
    }),
};

const metricsScraping: Check = {
  description: "pods announce their /metrics port for scraping",
  run: ({ manifests }) =>
    perService(manifests, (deployment, service) => {
      const annotations: Labels = deployment.spec?.template?.metadata?.annotations ?? {};
      const port = String(contract[service].port);
      return annotations["prometheus.io/scrape"] === "true" &&
        annotations["prometheus.io/port"] === port
        ? []
        : [`${service}: no prometheus.io scrape annotations for port ${port}`];
    }),
};

export const checks = {
  requiredObjects,
  probes,
  resources,
  securityContext,
  rollout,
  shutdown,
  rolloutTriggers,
  selectors,
  servicePorts,
  ingressBackends,
  ingressRoutes,
  adminAccess,
  autoscaling,
  disruptionBudgets,
  networkPolicies,
  egress,
  secretReferences,
  plainSettings,
  serviceAccounts,
  images,
  metricsScraping,
} satisfies Record<string, Check>;
