/**
 * Static checks of helmfile.yaml and the values files it passes: helmfile itself does not
 * run here and repository charts cannot be downloaded, so what helmfile would read is checked
 * directly (.gotmpl values files are rendered with Helm's template engine first).
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CLUSTER_AUTOSCALER_ACCOUNT, CLUSTER_NAME, REGION } from "../cdk/lib/names.ts";
import { DEFAULT_SETTINGS } from "../cdk/lib/settings.ts";
import { labRoleOutputs } from "../cdk/scripts/example-outputs.ts";
import { toHelmfileValues } from "../cdk/scripts/helmfile-values.ts";
import { contract, namespace } from "./contract.ts";
import {
  environmentValues,
  expandTemplate,
  type Helmfile,
  mergeValues,
  planReleases,
  readHelmfile,
  readValuesFile,
  repoRoot,
  type ValuesTree,
} from "./helmfile.ts";
import { withExamples } from "./rendered.ts";

const helmfile: Helmfile = await readHelmfile();
const environments = Object.keys(helmfile.environments);
const readYaml = async (file: string) => parse(await Bun.file(join(repoRoot, file)).text());
const valuesOf = (environment: string) => environmentValues(helmfile, environment, withExamples);
/** EKS as deployed in LabRole mode: the example outputs without IAM roles or shared secrets. */
const labRoleValues = async (): Promise<ValuesTree> =>
  mergeValues(await valuesOf("eks"), toHelmfileValues(labRoleOutputs()) as unknown as ValuesTree);
const installed = async (environment: string, values?: ValuesTree) =>
  planReleases(helmfile, environment, values ?? (await valuesOf(environment))).map(
    (release) => release.name,
  );

describe("helmfile.yaml", () => {
  test("has exactly the kind and eks environments", () => {
    expect(environments.sort()).toEqual(["eks", "kind"]);
  });

  test("every values file it names exists (files a deployment writes through their examples)", async () => {
    const files: string[] = [];
    for (const environment of environments) {
      files.push(...(helmfile.environments[environment]?.values ?? []));
      const releases = planReleases(helmfile, environment, await valuesOf(environment));
      files.push(...releases.flatMap((release) => release.valueFiles));
    }
    const missing = files.map(withExamples).filter((file) => !existsSync(join(repoRoot, file)));
    expect(missing).toEqual([]);
  });

  test("deploys the five services from the shared chart into the namespace the IAM roles trust", async () => {
    for (const environment of environments) {
      const services = planReleases(helmfile, environment, await valuesOf(environment)).filter(
        (release) => release.chart === "./charts/toggle-service",
      );
      expect(services.map((release) => release.name).sort()).toEqual(Object.keys(contract).sort());
      expect(new Set(services.map((release) => release.namespace))).toEqual(new Set([namespace]));
      for (const release of services) {
        expect(release.valueFiles[0]).toBe(`charts/values/${release.name}.yaml`);
        // The image tag the build wrote comes last, so it wins.
        expect(release.valueFiles.at(-1)).toBe(`charts/environments/${environment}.image.yaml`);
      }
    }
  });

  test("local charts exist; repository charts are pinned and their repositories declared", async () => {
    const repositories = new Set(helmfile.repositories.map((repository) => repository.name));
    const releases = planReleases(helmfile, "eks", await valuesOf("eks"));
    for (const release of [
      ...releases,
      ...planReleases(helmfile, "kind", await valuesOf("kind")),
    ]) {
      if (release.local) {
        expect(existsSync(join(repoRoot, release.chart, "Chart.yaml"))).toBe(true);
      } else {
        expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(repositories.has(release.chart.split("/")[0] ?? "")).toBe(true);
      }
    }
  });

  test("every release it needs is installed in the same environment", async () => {
    for (const environment of environments) {
      const releases = planReleases(helmfile, environment, await valuesOf(environment));
      const ids = new Set(releases.map((release) => `${release.namespace}/${release.name}`));
      expect(releases.flatMap((release) => release.needs).filter((need) => !ids.has(need))).toEqual(
        [],
      );
    }
  });

  test("KIND runs in-cluster backends and no autoscaler or secrets operator", async () => {
    const kind = await installed("kind");
    expect(kind).toContain("kind-backends");
    expect(kind).not.toContain("cluster-autoscaler");
    expect(kind).not.toContain("external-secrets");
    expect(kind).not.toContain("secrets");
  });

  test("EKS runs the autoscaler in both modes and External Secrets in default mode only", async () => {
    const eks = await installed("eks");
    expect(eks).toEqual(
      expect.arrayContaining(["cluster-autoscaler", "external-secrets", "secrets"]),
    );
    expect(eks).not.toContain("kind-backends");
    const labRole = await installed("eks", await labRoleValues());
    expect(labRole).toContain("cluster-autoscaler");
    expect(labRole).not.toContain("external-secrets");
    expect(labRole).not.toContain("secrets");
  });

  test("a condition that is not a boolean environment value is an error", () => {
    const broken = {
      ...helmfile,
      releases: [{ name: "x", namespace: "y", chart: "z/z", condition: "nope.enabled" }],
    };
    expect(() => planReleases(broken, "kind", {})).toThrow(/not a boolean/);
  });

  test("release templates it does not know are errors, not guesses", () => {
    expect(expandTemplate("a/{{ .Environment.Name }}/{{ .Release.Name }}", "kind", "auth")).toBe(
      "a/kind/auth",
    );
    expect(() => expandTemplate("{{ .Values.region }}", "kind", "x")).toThrow(/not understood/);
  });
});

describe("ingress-nginx", () => {
  const rendered = async (values: ValuesTree) =>
    readValuesFile("charts/values/ingress-nginx.tls.yaml.gotmpl", values);

  test("listens on host ports of the ingress-ready node on KIND", async () => {
    const values = await readYaml("charts/values/ingress-nginx.kind.yaml");
    expect(values.controller.hostPort).toEqual({ enabled: true, ports: { http: 80, https: 443 } });
    expect(values.controller.nodeSelector).toEqual({ "ingress-ready": "true" });
  });

  test("sits behind a Network Load Balancer on EKS, keeping client addresses", async () => {
    const values = await readYaml("charts/values/ingress-nginx.eks.yaml");
    expect(values.controller.service.type).toBe("LoadBalancer");
    expect(values.controller.service.externalTrafficPolicy).toBe("Local");
    expect(values.controller.service.annotations).toMatchObject({
      "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
    });
  });

  test("runs a controller on every EKS node, so nodes the autoscaler adds take traffic", async () => {
    const values = await readYaml("charts/values/ingress-nginx.eks.yaml");
    expect(values.controller.kind).toBe("DaemonSet");
  });

  test("terminates TLS at the load balancer with the environment's certificate and redirects HTTP", async () => {
    const values = await valuesOf("eks");
    const tls = await rendered(values);
    expect(tls.controller.service.annotations).toEqual({
      "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": values.tls.certificateArn,
      "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "https",
      "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy":
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
    });
    // 443 arrives decrypted on the HTTP port; 80 goes to the port that only redirects.
    expect(tls.controller.service.targetPorts).toEqual({ http: "tohttps", https: "http" });
    const redirectPort = tls.controller.containerPort.tohttps;
    expect(tls.controller.config["http-snippet"]).toContain(`listen ${redirectPort};`);
    expect(tls.controller.config["http-snippet"]).toContain(
      "return 308 https://$host$request_uri;",
    );
  });

  test("adds nothing without a certificate", async () => {
    expect(await rendered(await valuesOf("kind"))).toEqual({});
    const eks = mergeValues(await valuesOf("eks"), { tls: { certificateArn: "" } });
    expect(await rendered(eks)).toEqual({});
  });
});

describe("cluster-autoscaler", () => {
  const rendered = async (values: ValuesTree) =>
    readValuesFile("charts/values/cluster-autoscaler.yaml.gotmpl", values);

  test("discovers the node group of toggle-cluster as the account its IAM role trusts", async () => {
    const values = await valuesOf("eks");
    const autoscaler = await rendered(values);
    expect(autoscaler.autoDiscovery).toEqual({ clusterName: CLUSTER_NAME });
    expect(autoscaler.awsRegion).toBe(REGION);
    expect(autoscaler.rbac.serviceAccount.name).toBe(CLUSTER_AUTOSCALER_ACCOUNT.name);
    expect(autoscaler.rbac.serviceAccount.annotations).toEqual({
      "eks.amazonaws.com/role-arn": values.serviceAccountRoles.clusterAutoscaler,
    });
  });

  test("in LabRole mode uses the node role: no role annotation", async () => {
    const autoscaler = await rendered(await labRoleValues());
    expect(autoscaler.rbac.serviceAccount.annotations).toEqual({});
  });

  test("runs the autoscaler release of the cluster's Kubernetes minor version", async () => {
    const autoscaler = await rendered(await valuesOf("eks"));
    const [, minor] = /^v(\d+\.\d+)\.\d+$/.exec(autoscaler.image.tag) ?? [];
    expect(minor).toBe(DEFAULT_SETTINGS.kubernetesVersion);
  });

  test("is installed in the namespace its IAM role trusts", () => {
    const release = helmfile.releases.find((candidate) => candidate.name === "cluster-autoscaler");
    expect(release?.namespace).toBe(CLUSTER_AUTOSCALER_ACCOUNT.namespace);
  });
});

describe("external-secrets", () => {
  test("installs its CRDs and runs as one pod", async () => {
    const values = await readYaml("charts/values/external-secrets.yaml");
    expect(values.installCRDs).toBe(true);
    expect(values.replicaCount).toBe(1);
    expect(values.webhook.create).toBe(false);
    expect(values.certController.create).toBe(false);
  });
});

describe("environment values", () => {
  /** The key structure of a YAML value: nested keys, leaves replaced by their type. */
  function shape(value: unknown): unknown {
    if (value === null || typeof value !== "object") return typeof value;
    if (Array.isArray(value)) return "list";
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
  }

  test("kind.outputs.yaml has the EKS outputs' shape, plus the AWS emulator", async () => {
    const { aws, serviceAccountRoles, ...kind } = await readYaml(
      "charts/environments/kind.outputs.yaml",
    );
    const { serviceAccountRoles: roles, ...eks } = await readYaml(
      "charts/environments/eks.outputs.example.yaml",
    );
    expect(shape(kind)).toEqual(shape(eks));
    expect(Object.keys(aws).sort()).toEqual(["accessKeyId", "endpointUrl", "secretAccessKey"]);
    expect(serviceAccountRoles).toEqual({});
    expect(Object.keys(roles).length).toBeGreaterThan(0);
  });

  test("the files a deployment writes are ignored by git", () => {
    for (const file of ["eks.outputs.yaml", "eks.image.yaml", "kind.image.yaml"]) {
      const ignored = Bun.spawnSync(["git", "check-ignore", "-q", `charts/environments/${file}`], {
        cwd: repoRoot,
      });
      expect({ file, exitCode: ignored.exitCode }).toEqual({ file, exitCode: 0 });
    }
  });
});
