/**
 * Static checks of helmfile.yaml and the values files it passes: helmfile itself does not
 * run here, so what it would read is checked directly.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { contract, namespace } from "./contract.ts";
import { expandTemplate, type Helmfile, planReleases, readHelmfile, repoRoot } from "./helmfile.ts";
import { withExampleOutputs } from "./rendered.ts";

const helmfile: Helmfile = await readHelmfile();
const environments = Object.keys(helmfile.environments);
const readYaml = async (file: string) => parse(await Bun.file(join(repoRoot, file)).text());

/** The key structure of a YAML value: nested keys, leaves replaced by their type. */
function shape(value: unknown): unknown {
  if (value === null || typeof value !== "object") return typeof value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
}

describe("helmfile.yaml", () => {
  test("has exactly the kind and eks environments", () => {
    expect(environments.sort()).toEqual(["eks", "kind"]);
  });

  test("every values file it names exists (EKS outputs through the committed example)", () => {
    const files = environments.flatMap((environment) => [
      ...(helmfile.environments[environment]?.values ?? []),
      ...planReleases(helmfile, environment).flatMap((release) => release.valueFiles),
    ]);
    const missing = files
      .map(withExampleOutputs)
      .filter((file) => !existsSync(join(repoRoot, file)));
    expect(missing).toEqual([]);
  });

  test("deploys the five services from the shared chart into the namespace the IAM roles trust", () => {
    for (const environment of environments) {
      const services = planReleases(helmfile, environment).filter(
        (release) => release.chart === "./charts/toggle-service",
      );
      expect(services.map((release) => release.name).sort()).toEqual(Object.keys(contract).sort());
      expect(new Set(services.map((release) => release.namespace))).toEqual(new Set([namespace]));
      for (const release of services) {
        expect(release.valueFiles[0]).toBe(`charts/values/${release.name}.yaml`);
      }
    }
  });

  test("local charts exist; repository charts are pinned and their repositories declared", () => {
    const repositories = new Set(helmfile.repositories.map((repository) => repository.name));
    for (const release of planReleases(helmfile, "kind")) {
      if (release.local) {
        expect(existsSync(join(repoRoot, release.chart, "Chart.yaml"))).toBe(true);
      } else {
        expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(repositories.has(release.chart.split("/")[0] ?? "")).toBe(true);
      }
    }
  });

  test("installs ingress-nginx from its repository in both environments", () => {
    for (const environment of environments) {
      const ingress = planReleases(helmfile, environment).find(
        (release) => release.name === "ingress-nginx",
      );
      expect(ingress?.chart).toBe("ingress-nginx/ingress-nginx");
    }
    const repository = helmfile.repositories.find((r) => r.name === "ingress-nginx");
    expect(repository?.url).toBe("https://kubernetes.github.io/ingress-nginx");
  });

  test("runs PostgreSQL, Redis and LocalStack in the cluster on KIND only", () => {
    const backends = (environment: string) =>
      planReleases(helmfile, environment).filter(
        (release) => release.chart === "./charts/kind-backends",
      );
    expect(backends("kind")).toHaveLength(1);
    expect(backends("eks")).toHaveLength(0);
  });

  test("ingress-nginx listens on host ports of the ingress-ready node on KIND", async () => {
    const values = await readYaml("charts/values/ingress-nginx.kind.yaml");
    expect(values.controller.hostPort).toEqual({ enabled: true, ports: { http: 80, https: 443 } });
    expect(values.controller.nodeSelector).toEqual({ "ingress-ready": "true" });
  });

  test("ingress-nginx sits behind a Network Load Balancer on EKS", async () => {
    const values = await readYaml("charts/values/ingress-nginx.eks.yaml");
    expect(values.controller.service.type).toBe("LoadBalancer");
    expect(values.controller.service.annotations).toMatchObject({
      "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
    });
  });

  test("release templates it does not know are errors, not guesses", () => {
    expect(expandTemplate("a/{{ .Environment.Name }}/{{ .Release.Name }}", "kind", "auth")).toBe(
      "a/kind/auth",
    );
    expect(expandTemplate('{{ eq .Environment.Name "kind" }}', "eks", "x")).toBe("false");
    expect(() => expandTemplate("{{ .Values.region }}", "kind", "x")).toThrow(/not understood/);
  });
});

describe("environment values", () => {
  test("eks.outputs.example.yaml has the shape the CDK script writes", async () => {
    const example = await readYaml("charts/environments/eks.outputs.example.yaml");
    const database = { host: "string", port: "number", secretArn: "string" };
    expect(shape(example)).toEqual({
      region: "string",
      image: { registry: "string", tag: "string" },
      databases: { auth: database, flag: database, targeting: database },
      redis: { host: "string", port: "number" },
      sqs: { queueUrl: "string" },
      dynamodb: { eventsTable: "string", countersTable: "string" },
      serviceAccountRoles: { evaluation: "string", analytics: "string" },
      cluster: { name: "string" },
    });
  });

  test("kind.outputs.yaml has the same shape as the EKS outputs", async () => {
    const kind = await readYaml("charts/environments/kind.outputs.yaml");
    const example = await readYaml("charts/environments/eks.outputs.example.yaml");
    expect(shape(kind)).toEqual(shape(example));
  });

  test("the generated eks.outputs.yaml is ignored by git", async () => {
    const ignored = Bun.spawnSync(
      ["git", "check-ignore", "-q", "charts/environments/eks.outputs.yaml"],
      {
        cwd: repoRoot,
      },
    );
    expect(ignored.exitCode).toBe(0);
  });
});
