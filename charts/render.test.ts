/**
 * Renders every local-chart release of helmfile.yaml for both environments with the values
 * files helmfile passes, validates every object and applies every check.
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checks, type Environment } from "./checks.ts";
import { databaseServices } from "./contract.ts";
import { renderRelease, validateManifest } from "./render.ts";
import { renderedEnvironment, withExampleOutputs } from "./rendered.ts";
import { buildSecrets, randomHex } from "./secrets.ts";
import { runHelm } from "./tools.ts";

const environments: Environment[] = ["kind", "eks"];

for (const environment of environments) {
  describe(`${environment} environment`, () => {
    test("helm lint passes for every local release with its values", async () => {
      const { releases } = await renderedEnvironment(environment);
      const local = releases.filter((release) => release.local);
      expect(local.length).toBeGreaterThan(0);
      const results = await Promise.all(
        local.map(async (release) => {
          const files = release.valueFiles.flatMap((file) => ["-f", withExampleOutputs(file)]);
          const result = await runHelm(["lint", "--strict", release.chart, ...files]);
          return { release: release.name, exitCode: result.exitCode, output: result.stdout };
        }),
      );
      for (const result of results) expect(result).toMatchObject({ exitCode: 0 });
    });

    test("renders every service with objects that pass their schemas", async () => {
      const { manifests } = await renderedEnvironment(environment);
      for (const manifest of manifests) {
        const { release: _release, ...object } = manifest;
        expect(() => validateManifest(object)).not.toThrow();
      }
      const releases = new Set(manifests.map((manifest) => manifest.release));
      expect([...releases]).toEqual(
        expect.arrayContaining(["auth", "flag", "targeting", "evaluation", "analytics"]),
      );
    });

    for (const [name, check] of Object.entries(checks)) {
      test(`${name}: ${check.description}`, async () => {
        const { manifests } = await renderedEnvironment(environment);
        expect(check.run(manifests, environment)).toEqual([]);
      });
    }

    test("the Secrets from charts/secrets.ts hold every key the manifests reference", async () => {
      const { manifests } = await renderedEnvironment(environment);
      const login = { host: "db", port: 5432, username: "u", password: "p", database: "d" };
      const secrets = buildSecrets({
        environment,
        logins: Object.fromEntries(databaseServices.map((service) => [service, login])) as never,
        existing: {},
        random: randomHex,
      });
      const provided = new Set(
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
    });
  });
}

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
    valueFiles: ["charts/values/auth.yaml", badValues],
  };
  try {
    await expect(renderRelease(release)).rejects.toThrow(/cpu/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
