/**
 * Renders every local-chart release of helmfile.yaml for both environments with the values
 * files helmfile passes, validates every object and applies every check.
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SECRETS_READER_ACCOUNT } from "../cdk/lib/names.ts";
import { checks, type Environment } from "./checks.ts";
import { databaseServices } from "./contract.ts";
import { mergeValues } from "./helmfile.ts";
import { renderRelease, validateManifest } from "./render.ts";
import { RENDER_TIMEOUT_MS, renderedEnvironment, withExamples } from "./rendered.ts";
import { buildSecrets, randomHex } from "./secrets.ts";
import { runHelm } from "./tools.ts";

const environments: Environment[] = ["kind", "eks"];

for (const environment of environments) {
  describe(`${environment} environment`, () => {
    test(
      "helm lint passes for every local release with its values",
      async () => {
        const { releases } = await renderedEnvironment(environment);
        const local = releases.filter((release) => release.local);
        expect(local.length).toBeGreaterThan(0);
        const results = await Promise.all(
          local.map(async (release) => {
            const files = release.valueFiles.flatMap((file) => ["-f", withExamples(file)]);
            const result = await runHelm(["lint", "--strict", release.chart, ...files]);
            return { release: release.name, exitCode: result.exitCode, output: result.stdout };
          }),
        );
        for (const result of results) expect(result).toMatchObject({ exitCode: 0 });
      },
      RENDER_TIMEOUT_MS,
    );

    test(
      "renders every service with objects that pass their schemas",
      async () => {
        const { manifests } = await renderedEnvironment(environment);
        for (const manifest of manifests) {
          const { release: _release, ...object } = manifest;
          expect(() => validateManifest(object)).not.toThrow();
        }
        const releases = new Set(manifests.map((manifest) => manifest.release));
        expect([...releases]).toEqual(
          expect.arrayContaining(["auth", "flag", "targeting", "evaluation", "analytics"]),
        );
      },
      RENDER_TIMEOUT_MS,
    );

    for (const [name, check] of Object.entries(checks)) {
      test(
        `${name}: ${check.description}`,
        async () => {
          const { manifests, values } = await renderedEnvironment(environment);
          expect(check.run({ manifests, environment, values })).toEqual([]);
        },
        RENDER_TIMEOUT_MS,
      );
    }

    test(
      "the Secrets from charts/secrets.ts hold every key the manifests reference",
      async () => {
        const { manifests } = await renderedEnvironment(environment);
        const login = { host: "db", port: 5432, username: "u", password: "p", database: "d" };
        const secrets = buildSecrets({
          environment,
          logins: Object.fromEntries(databaseServices.map((service) => [service, login])) as never,
          existing: {},
          random: randomHex,
        });
        const provided = new Set<string>(
          secrets.flatMap((secret) =>
            Object.keys(secret.stringData ?? {}).map((key) => `${secret.metadata?.name}/${key}`),
          ),
        );
        const referenced = manifests
          .filter((m) => m.kind === "Deployment" || m.kind === "StatefulSet")
          .flatMap((workload) => workload.spec.template.spec.containers)
          .flatMap(
            (container: {
              env?: { valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
            }) => container.env ?? [],
          )
          .flatMap((entry) => (entry.valueFrom?.secretKeyRef ? [entry.valueFrom.secretKeyRef] : []))
          .map((ref) => `${ref.name}/${ref.key}`);
        expect(referenced.length).toBeGreaterThan(0);
        expect(referenced.filter((ref) => !provided.has(ref))).toEqual([]);
      },
      RENDER_TIMEOUT_MS,
    );
  });
}

test(
  "on EKS the ExternalSecrets fill every Secret key the services read",
  async () => {
    const { manifests } = await renderedEnvironment("eks");
    const templated = new Set(
      manifests
        .filter((m) => m.kind === "ExternalSecret")
        .flatMap((m) =>
          Object.keys(m.spec.target.template.data).map((key) => `${m.spec.target.name}/${key}`),
        ),
    );
    const referenced = manifests
      .filter((m) => m.kind === "Deployment" && m.release !== "kind-backends")
      .flatMap((m) => m.spec.template.spec.containers[0].env ?? [])
      .map(
        (entry: { valueFrom: { secretKeyRef: { name: string; key: string } } }) =>
          `${entry.valueFrom.secretKeyRef.name}/${entry.valueFrom.secretKeyRef.key}`,
      );
    expect(referenced.length).toBeGreaterThan(0);
    expect(referenced.filter((ref) => !templated.has(ref))).toEqual([]);
  },
  RENDER_TIMEOUT_MS,
);

test(
  "on EKS every ExternalSecret template reads only the fields its remote data fetches",
  async () => {
    const { manifests } = await renderedEnvironment("eks");
    const externalSecrets = manifests.filter((m) => m.kind === "ExternalSecret");
    expect(externalSecrets.length).toBeGreaterThan(0);
    for (const secret of externalSecrets) {
      const fetched = new Set(
        secret.spec.data.map((entry: { secretKey: string }) => entry.secretKey),
      );
      const templates = Object.entries(secret.spec.target.template.data as Record<string, string>);
      for (const [key, template] of templates) {
        const fields = [...template.matchAll(/\{\{ \.(\w+)/g)].map((match) => match[1]);
        expect({ key, reads: fields.length > 0 }).toEqual({ key, reads: true });
        expect(fields.filter((field) => !fetched.has(field))).toEqual([]);
      }
    }
  },
  RENDER_TIMEOUT_MS,
);

test(
  "on EKS the operator reads Secrets Manager as the account the reader role trusts, refreshing hourly",
  async () => {
    const { manifests, values } = await renderedEnvironment("eks");
    const store = manifests.find((m) => m.kind === "SecretStore");
    const account = store?.spec.provider.aws.auth.jwt.serviceAccountRef.name;
    expect(account).toBe(SECRETS_READER_ACCOUNT);
    const serviceAccount = manifests.find(
      (m) => m.kind === "ServiceAccount" && m.metadata.name === account,
    );
    expect(serviceAccount?.metadata.annotations?.["eks.amazonaws.com/role-arn"]).toBe(
      values.serviceAccountRoles.secretsReader,
    );
    const intervals = manifests
      .filter((m) => m.kind === "ExternalSecret")
      .map((m) => m.spec.refreshInterval);
    expect(new Set(intervals)).toEqual(new Set(["1h"]));
  },
  RENDER_TIMEOUT_MS,
);

test(
  "/admin is routed only from the source ranges an environment allows",
  async () => {
    const folder = await mkdtemp(join(tmpdir(), "toggle-admin-"));
    const allowed = join(folder, "admin.yaml");
    await Bun.write(
      allowed,
      "adminIngress:\n  allowedSourceRanges: [203.0.113.0/24, 198.51.100.7/32]\n",
    );
    const { releases, values } = await renderedEnvironment("eks");
    const auth = releases.find((release) => release.name === "auth");
    if (!auth) throw new Error("no auth release");
    try {
      const manifests = await renderRelease(
        { ...auth, valueFiles: [...auth.valueFiles, allowed] },
        withExamples,
      );
      const admin = manifests.find((m) => m.kind === "Ingress" && m.metadata.name === "auth-admin");
      expect(admin?.metadata.annotations).toEqual({
        "nginx.ingress.kubernetes.io/whitelist-source-range": "203.0.113.0/24,198.51.100.7/32",
      });
      expect(admin?.spec.rules[0].http.paths.map((path: { path: string }) => path.path)).toEqual([
        "/admin",
      ]);
      const opened = mergeValues(values, {
        adminIngress: { allowedSourceRanges: ["203.0.113.0/24", "198.51.100.7/32"] },
      });
      expect(checks.adminAccess.run({ manifests, environment: "eks", values: opened })).toEqual([]);
      expect(checks.adminAccess.run({ manifests, environment: "eks", values })).not.toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  },
  RENDER_TIMEOUT_MS,
);

test("a rendered object that breaks its schema is rejected", async () => {
  const folder = await mkdtemp(join(tmpdir(), "toggle-values-"));
  const badValues = join(folder, "bad.yaml");
  // helm accepts any string here; only the Kubernetes schema knows it is no quantity.
  await Bun.write(badValues, "resources:\n  limits:\n    cpu: lots\n");
  const release = {
    name: "auth",
    namespace: "togglemaster",
    chart: "./charts/toggle-service",
    local: true,
    needs: [],
    valueFiles: [
      "charts/values/auth.yaml",
      "charts/environments/kind.outputs.yaml",
      "charts/environments/image.example.yaml",
      badValues,
    ],
  };
  try {
    await expect(renderRelease(release)).rejects.toThrow(/cpu/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
