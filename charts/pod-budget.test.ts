import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { instanceType } from "../cdk/lib/instance-types.ts";
import { DEFAULT_SETTINGS, NODES_AT_REST } from "../cdk/lib/settings.ts";
import { environmentValues, readHelmfile, readValuesFile, repoRoot } from "./helmfile.ts";
import {
  DAEMON_SET_PODS,
  maxReplicas,
  minReplicas,
  PLATFORM_PODS,
  podBudget,
  SURGE_PODS_PER_SERVICE,
} from "./pod-budget.ts";
import { RENDER_TIMEOUT_MS, renderedEnvironment, withExamples } from "./rendered.ts";

const { maxPods } = instanceType(DEFAULT_SETTINGS.instanceType);
const readYaml = async (file: string) => parse(await Bun.file(`${repoRoot}/${file}`).text());

describe("pod budget of the default node group", () => {
  test("a t3.medium takes 17 pods", () => {
    expect(maxPods).toBe(17);
  });

  test("at rest, mid-rollout, the platform fits the two nodes the autoscaler grows to", () => {
    const budget = podBudget(NODES_AT_REST, maxPods, minReplicas());
    // 2 × (17 − 3) = 28 slots ≥ 6 platform + 9 service pods + 5 surge pods.
    expect(budget).toMatchObject({ slots: 28, platform: 6, services: 9, surge: 5, fits: true });
  });

  test("one node cannot hold the platform at rest: the autoscaler must add a second", () => {
    expect(podBudget(1, maxPods, minReplicas()).fits).toBe(false);
  });

  test("every service at its autoscaler maximum, mid-rollout, fits the node group's maximum", () => {
    const budget = podBudget(DEFAULT_SETTINGS.maxNodes, maxPods, maxReplicas());
    expect(budget.used).toBeLessThanOrEqual(budget.slots);
    expect(budget.fits).toBe(true);
  });
});

describe("the budget counts what the charts deploy", () => {
  test(
    "one surge pod per service, as the Deployments roll",
    async () => {
      const { manifests } = await renderedEnvironment("eks");
      const surges = manifests
        .filter((m) => m.kind === "Deployment" && m.release !== "kind-backends")
        .map((m) => m.spec.strategy.rollingUpdate.maxSurge);
      expect(new Set(surges)).toEqual(new Set([SURGE_PODS_PER_SERVICE]));
    },
    RENDER_TIMEOUT_MS,
  );

  test("the ingress controller is a DaemonSet on EKS", async () => {
    const values = await readYaml("charts/values/ingress-nginx.eks.yaml");
    expect(values.controller.kind).toBe("DaemonSet");
    expect(DAEMON_SET_PODS).toContain("ingress-nginx-controller");
  });

  test("platform replica counts are those of their values files", async () => {
    const helmfile = await readHelmfile();
    const eks = await environmentValues(helmfile, "eks", withExamples);
    const autoscaler = await readValuesFile("charts/values/cluster-autoscaler.yaml.gotmpl", eks);
    expect({
      "metrics-server": (await readYaml("charts/values/metrics-server.eks.yaml")).replicas,
      "cluster-autoscaler": autoscaler.replicaCount,
      "external-secrets": (await readYaml("charts/values/external-secrets.yaml")).replicaCount,
    }).toEqual({
      "metrics-server": PLATFORM_PODS["metrics-server"],
      "cluster-autoscaler": PLATFORM_PODS["cluster-autoscaler"],
      "external-secrets": PLATFORM_PODS["external-secrets"],
    });
  });
});
