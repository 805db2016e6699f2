/**
 * Each check must catch what it is for: the rendered, compliant manifests are broken in one
 * place and the check has to report it.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { type Check, checks, type Environment, type Rendered } from "./checks.ts";
import type { Manifest } from "./render.ts";
import { RENDER_TIMEOUT_MS, renderedEnvironment } from "./rendered.ts";

type Loose = any;

const compliant: Partial<Record<Environment, Rendered>> = {};

beforeAll(async () => {
  for (const environment of ["kind", "eks"] as const) {
    const { manifests, values } = await renderedEnvironment(environment);
    compliant[environment] = { manifests, environment, values };
  }
}, RENDER_TIMEOUT_MS);

function find(manifests: Manifest[], kind: string, name: string): Loose {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} to break`);
  return found;
}

const container = (manifests: Manifest[], name: string): Loose =>
  find(manifests, "Deployment", name).spec.template.spec.containers[0];

const ingressPath = (manifests: Manifest[], service: string, path: string): Loose =>
  find(manifests, "Ingress", service).spec.rules[0].http.paths.find((p: Loose) => p.path === path);

const policyPeers = (manifests: Manifest[], service: string): Loose[] =>
  find(manifests, "NetworkPolicy", service).spec.ingress[0].from;

interface Breakage {
  check: Check;
  what: string;
  environment?: Environment;
  /** Breaks the manifests in place. */
  breakIt: (manifests: Manifest[]) => void;
}

const breakages: Breakage[] = [
  {
    check: checks.requiredObjects,
    what: "flag has no PodDisruptionBudget",
    breakIt: (m) => {
      m.splice(m.indexOf(find(m, "PodDisruptionBudget", "flag")), 1);
    },
  },
  {
    check: checks.probes,
    what: "analytics liveness period differs from the specification",
    breakIt: (m) => {
      container(m, "analytics").livenessProbe.periodSeconds = 20;
    },
  },
  {
    check: checks.probes,
    what: "auth readiness probe points at /health",
    breakIt: (m) => {
      container(m, "auth").readinessProbe.httpGet.path = "/health";
    },
  },
  {
    check: checks.probes,
    what: "flag has no startup probe",
    breakIt: (m) => {
      delete container(m, "flag").startupProbe;
    },
  },
  {
    check: checks.probes,
    what: "targeting's readiness probe falls back to the 1 s default timeout",
    breakIt: (m) => {
      delete container(m, "targeting").readinessProbe.timeoutSeconds;
    },
  },
  {
    check: checks.resources,
    what: "evaluation has no memory limit",
    breakIt: (m) => {
      delete container(m, "evaluation").resources.limits.memory;
    },
  },
  {
    check: checks.resources,
    what: "redis has no requests",
    breakIt: (m) => {
      delete container(m, "redis").resources.requests;
    },
  },
  {
    check: checks.securityContext,
    what: "targeting has a writable root filesystem",
    breakIt: (m) => {
      container(m, "targeting").securityContext.readOnlyRootFilesystem = false;
    },
  },
  {
    check: checks.securityContext,
    what: "auth keeps its capabilities",
    breakIt: (m) => {
      container(m, "auth").securityContext.capabilities.drop = [];
    },
  },
  {
    check: checks.securityContext,
    what: "analytics may escalate privileges",
    breakIt: (m) => {
      container(m, "analytics").securityContext.allowPrivilegeEscalation = true;
    },
  },
  {
    check: checks.rollout,
    what: "evaluation rolls out with maxUnavailable 1",
    breakIt: (m) => {
      find(m, "Deployment", "evaluation").spec.strategy.rollingUpdate.maxUnavailable = 1;
    },
  },
  {
    check: checks.rollout,
    what: "flag does not spread over zones",
    breakIt: (m) => {
      find(m, "Deployment", "flag").spec.template.spec.topologySpreadConstraints = [];
    },
  },
  {
    check: checks.rollout,
    what: "evaluation surges three pods at once",
    breakIt: (m) => {
      find(m, "Deployment", "evaluation").spec.strategy.rollingUpdate.maxSurge = 3;
    },
  },
  {
    check: checks.shutdown,
    what: "flag is killed without a preStop pause",
    breakIt: (m) => {
      delete container(m, "flag").lifecycle;
    },
  },
  {
    check: checks.shutdown,
    what: "evaluation's grace period ends before its events are flushed",
    environment: "eks",
    breakIt: (m) => {
      find(m, "Deployment", "evaluation").spec.template.spec.terminationGracePeriodSeconds = 6;
    },
  },
  {
    check: checks.rolloutTriggers,
    what: "targeting does not roll when its Secret changes",
    breakIt: (m) => {
      delete find(m, "Deployment", "targeting").spec.template.metadata.annotations[
        "checksum/secrets"
      ];
    },
  },
  {
    check: checks.selectors,
    what: "the flag Service selects no pods",
    breakIt: (m) => {
      find(m, "Service", "flag").spec.selector["app.kubernetes.io/name"] = "flags";
    },
  },
  {
    check: checks.selectors,
    what: "a Deployment selector misses its own pods",
    breakIt: (m) => {
      find(m, "Deployment", "auth").spec.selector.matchLabels["app.kubernetes.io/name"] = "x";
    },
  },
  {
    check: checks.selectors,
    what: "an autoscaler targets a missing Deployment",
    breakIt: (m) => {
      find(m, "HorizontalPodAutoscaler", "auth").spec.scaleTargetRef.name = "authentication";
    },
  },
  {
    check: checks.servicePorts,
    what: "the auth Service targets an unnamed port",
    breakIt: (m) => {
      find(m, "Service", "auth").spec.ports[0].targetPort = "web";
    },
  },
  {
    check: checks.servicePorts,
    what: "the redis Service targets a wrong number",
    breakIt: (m) => {
      find(m, "Service", "redis").spec.ports[0].targetPort = 6380;
    },
  },
  {
    check: checks.ingressBackends,
    what: "/flags goes to a port the Service lacks",
    breakIt: (m) => {
      ingressPath(m, "flag", "/flags").backend.service.port.number = 9999;
    },
  },
  {
    check: checks.ingressBackends,
    what: "/rules goes to a missing Service",
    breakIt: (m) => {
      ingressPath(m, "targeting", "/rules").backend.service.name = "rules";
    },
  },
  {
    check: checks.ingressBackends,
    what: "an Ingress of another class",
    breakIt: (m) => {
      find(m, "Ingress", "auth").spec.ingressClassName = "traefik";
    },
  },
  {
    check: checks.ingressRoutes,
    what: "/ofrep is not routed",
    breakIt: (m) => {
      const paths = find(m, "Ingress", "evaluation").spec.rules[0].http.paths;
      paths.splice(
        paths.findIndex((p: Loose) => p.path === "/ofrep"),
        1,
      );
    },
  },
  {
    check: checks.ingressRoutes,
    what: "an extra route is exposed",
    breakIt: (m) => {
      const paths = find(m, "Ingress", "auth").spec.rules[0].http.paths;
      paths.push({ ...paths[0], path: "/internal" });
    },
  },
  {
    check: checks.adminAccess,
    what: "/admin is on the public auth Ingress",
    environment: "eks",
    breakIt: (m) => {
      const paths = find(m, "Ingress", "auth").spec.rules[0].http.paths;
      paths.push({ ...paths[0], path: "/admin" });
    },
  },
  {
    check: checks.autoscaling,
    what: "evaluation scales to 5 only",
    breakIt: (m) => {
      find(m, "HorizontalPodAutoscaler", "evaluation").spec.maxReplicas = 5;
    },
  },
  {
    check: checks.autoscaling,
    what: "flag scales on memory",
    breakIt: (m) => {
      find(m, "HorizontalPodAutoscaler", "flag").spec.metrics[0].resource.name = "memory";
    },
  },
  {
    check: checks.disruptionBudgets,
    what: "the analytics budget selects flag's pods",
    breakIt: (m) => {
      find(m, "PodDisruptionBudget", "analytics").spec.selector.matchLabels[
        "app.kubernetes.io/name"
      ] = "flag";
    },
  },
  {
    check: checks.disruptionBudgets,
    what: "a drain may take both auth pods",
    breakIt: (m) => {
      find(m, "PodDisruptionBudget", "auth").spec.minAvailable = 0;
    },
  },
  {
    check: checks.disruptionBudgets,
    what: "the analytics budget blocks every drain of its single pod",
    breakIt: (m) => {
      find(m, "PodDisruptionBudget", "analytics").spec.minAvailable = 1;
    },
  },
  {
    check: checks.networkPolicies,
    what: "auth is open to anyone",
    breakIt: (m) => {
      find(m, "NetworkPolicy", "auth").spec.ingress.push({});
    },
  },
  {
    check: checks.networkPolicies,
    what: "evaluation cannot reach auth",
    breakIt: (m) => {
      const peers = policyPeers(m, "auth");
      peers.splice(
        peers.findIndex(
          (p: Loose) => p.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "evaluation",
        ),
        1,
      );
    },
  },
  {
    check: checks.networkPolicies,
    what: "flag may reach evaluation",
    breakIt: (m) => {
      policyPeers(m, "evaluation").push({
        podSelector: { matchLabels: { "app.kubernetes.io/name": "flag" } },
      });
    },
  },
  {
    check: checks.networkPolicies,
    what: "the ingress controller cannot reach analytics",
    breakIt: (m) => {
      find(m, "NetworkPolicy", "analytics").spec.ingress[0].from.shift();
    },
  },
  {
    check: checks.egress,
    what: "evaluation may send anywhere",
    environment: "eks",
    breakIt: (m) => {
      find(m, "NetworkPolicy", "evaluation").spec.egress.push({});
    },
  },
  {
    check: checks.egress,
    what: "flag cannot resolve names",
    breakIt: (m) => {
      find(m, "NetworkPolicy", "flag").spec.egress.shift();
    },
  },
  {
    check: checks.egress,
    what: "evaluation cannot reach Redis or SQS",
    environment: "eks",
    breakIt: (m) => {
      m.splice(m.indexOf(find(m, "NetworkPolicy", "evaluation-backends")), 1);
    },
  },
  {
    check: checks.egress,
    what: "targeting cannot call auth",
    breakIt: (m) => {
      find(m, "NetworkPolicy", "targeting").spec.egress.pop();
    },
  },
  {
    check: checks.egress,
    what: "no policy restricts auth's egress",
    environment: "eks",
    breakIt: (m) => {
      find(m, "NetworkPolicy", "auth").spec.policyTypes = ["Ingress"];
      find(m, "NetworkPolicy", "auth-backends").spec.policyTypes = ["Ingress"];
    },
  },
  {
    check: checks.secretReferences,
    what: "JWT_SECRET written as a plain value",
    breakIt: (m) => {
      const env = container(m, "flag").env;
      const index = env.findIndex((e: Loose) => e.name === "JWT_SECRET");
      env[index] = { name: "JWT_SECRET", value: "not-so-secret" };
    },
  },
  {
    check: checks.secretReferences,
    what: "DATABASE_URL in a ConfigMap",
    breakIt: (m) => {
      find(m, "ConfigMap", "auth").data.DATABASE_URL = "postgres://x";
    },
  },
  {
    check: checks.plainSettings,
    what: "flag lacks REDIS_URL",
    breakIt: (m) => {
      delete find(m, "ConfigMap", "flag").data.REDIS_URL;
    },
  },
  {
    check: checks.plainSettings,
    what: "an AWS endpoint override on EKS",
    environment: "eks",
    breakIt: (m) => {
      find(m, "ConfigMap", "analytics").data.AWS_ENDPOINT_URL = "http://localstack:4566";
    },
  },
  {
    check: checks.plainSettings,
    what: "no LocalStack endpoint for evaluation on KIND",
    breakIt: (m) => {
      delete find(m, "ConfigMap", "evaluation").data.AWS_ENDPOINT_URL;
    },
  },
  {
    check: checks.serviceAccounts,
    what: "analytics has no IAM role on EKS",
    environment: "eks",
    breakIt: (m) => {
      delete find(m, "ServiceAccount", "analytics-service").metadata.annotations;
    },
  },
  {
    check: checks.serviceAccounts,
    what: "auth gets an IAM role",
    environment: "eks",
    breakIt: (m) => {
      find(m, "ServiceAccount", "auth-service").metadata.annotations = {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/any",
      };
    },
  },
  {
    check: checks.serviceAccounts,
    what: "evaluation runs as an account the IAM role does not trust",
    breakIt: (m) => {
      find(m, "Deployment", "evaluation").spec.template.spec.serviceAccountName = "evaluation";
    },
  },
  {
    check: checks.images,
    what: "KIND images pulled from a registry",
    breakIt: (m) => {
      container(m, "auth").imagePullPolicy = "Always";
    },
  },
  {
    check: checks.images,
    what: "an EKS image outside ECR",
    environment: "eks",
    breakIt: (m) => {
      container(m, "flag").image = "docker.io/toggle-master/flag:latest";
    },
  },
  {
    check: checks.images,
    what: "an EKS image under a mutable tag",
    environment: "eks",
    breakIt: (m) => {
      const flag = container(m, "flag");
      flag.image = flag.image.replace(/:[^:]+$/, ":latest");
    },
  },
  {
    check: checks.images,
    what: "EKS images pulled on every start",
    environment: "eks",
    breakIt: (m) => {
      container(m, "analytics").imagePullPolicy = "Always";
    },
  },
  {
    check: checks.metricsScraping,
    what: "targeting pods are not scraped",
    breakIt: (m) => {
      delete find(m, "Deployment", "targeting").spec.template.metadata.annotations[
        "prometheus.io/scrape"
      ];
    },
  },
];

describe("each check fails on a broken manifest", () => {
  for (const { check, what, environment = "kind", breakIt } of breakages) {
    test(`${check.description}: ${what}`, () => {
      const good = compliant[environment];
      if (!good) throw new Error(`${environment} was not rendered`);
      expect(check.run(good)).toEqual([]);
      const broken = structuredClone(good);
      breakIt(broken.manifests);
      expect(check.run(broken).length).toBeGreaterThan(0);
    });
  }

  test("every check has at least one breakage", () => {
    const covered = new Set(breakages.map(({ check }) => check));
    expect(Object.values(checks).filter((check) => !covered.has(check))).toEqual([]);
  });
});
