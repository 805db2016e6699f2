/**
 * The deployment scripts (kind/, charts/, cdk/scripts/) cannot run here (no Docker, no
 * cluster): each parses, stops on errors and does its steps in order; the pieces that run
 * without a cluster (the image tag, the query helper) run for real.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { SERVICE_NAMES } from "../services/shared/topology.ts";
import { IMAGE_TAG } from "./checks.ts";
import { namespace } from "./contract.ts";
import { repoRoot } from "./helmfile.ts";
import { query } from "./query.ts";

const folders = ["kind", "charts", join("cdk", "scripts")];
const scripts = folders.flatMap((folder) =>
  readdirSync(join(repoRoot, folder))
    .filter((file) => file.endsWith(".sh"))
    .map((file) => join(folder, file)),
);
const read = (script: string) => Bun.file(join(repoRoot, script)).text();
/** Position of `text` in a script, failing when it is missing. */
const at = (script: string, text: string) => {
  const index = script.indexOf(text);
  if (index < 0) throw new Error(`missing: ${text}`);
  return index;
};

describe("deployment scripts", () => {
  test("the expected scripts exist", () => {
    expect(scripts).toEqual(
      expect.arrayContaining([
        "kind/create-cluster.sh",
        "kind/build-images.sh",
        "kind/deploy.sh",
        "kind/smoke.sh",
        "kind/teardown.sh",
        "charts/register-service-key.sh",
        "charts/image-tag.sh",
        "cdk/scripts/push-images.sh",
        "cdk/scripts/deploy.sh",
      ]),
    );
  });

  for (const script of scripts) {
    test(`${script} parses (bash -n) and stops on errors`, async () => {
      const check = Bun.spawnSync(["bash", "-n", join(repoRoot, script)], { stderr: "pipe" });
      expect(check.stderr.toString()).toBe("");
      expect(check.exitCode).toBe(0);
      expect(await read(script)).toMatch(/^#!\/usr\/bin\/env bash\n[\s\S]*set -euo pipefail/);
    });
  }

  test("no script needs the helm-diff plugin: releases are applied with helmfile sync", async () => {
    for (const script of scripts) expect(await read(script)).not.toMatch(/helmfile[^\n]*\bapply\b/);
    expect(await read("kind/deploy.sh")).toContain("helmfile -e kind sync");
    expect(await read("cdk/scripts/deploy.sh")).toContain("helmfile -e eks sync");
  });

  test("no script puts a key on a command line: bearer tokens go to curl on stdin", async () => {
    for (const script of scripts) expect(await read(script)).not.toMatch(/-H ["']Authorization/);
    expect(await read("charts/auth-forward.sh")).toContain('curl -K - "$@"');
  });

  test("KIND images are built per service, tagged by commit, loaded, and the tag handed to the releases", async () => {
    const text = await read("kind/build-images.sh");
    expect(text).toContain('tag="$(charts/image-tag.sh)"');
    expect(text).toContain(
      'docker buildx build -f Dockerfile.bun --build-arg "SERVICE=$service" -t "$image"',
    );
    expect(text).toContain('image="toggle-master/$service:$tag"');
    expect(text).toContain('kind load docker-image "$image" --name "$cluster"');
    expect(text).toContain("charts/environments/kind.image.yaml");
    expect(text).toContain("bun charts/query.ts services");
  });

  test("EKS images are built for both architectures, pushed by commit once, and the tag handed to the releases", async () => {
    const text = await read("cdk/scripts/push-images.sh");
    expect(text).toContain('tag="$(charts/image-tag.sh)"');
    expect(text).toContain("--platform linux/amd64,linux/arm64");
    expect(text).toContain('-t "$registry/$repository:$tag" --push');
    expect(at(text, "aws ecr describe-images")).toBeLessThan(at(text, "docker buildx build"));
    expect(text).toContain("charts/environments/eks.image.yaml");
  });

  test("KIND: one command creates the cluster, builds, writes the Secrets, syncs, registers the key", async () => {
    const text = await read("kind/deploy.sh");
    const steps = [
      "kind/create-cluster.sh",
      "kind/build-images.sh",
      "bun charts/secrets.ts kind",
      "helmfile -e kind sync",
      "charts/register-service-key.sh",
    ].map((step) => at(text, step));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
  });

  test("EKS: one command goes from the cdk outputs to the releases and the service key", async () => {
    const text = await read("cdk/scripts/deploy.sh");
    const steps = [
      "bun cdk/scripts/helmfile-values.ts",
      "aws eks update-kubeconfig",
      "cdk/scripts/push-images.sh",
      "bun charts/secrets.ts eks",
      "helmfile -e eks sync",
      "charts/register-service-key.sh",
    ].map((step) => at(text, step));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    // External Secrets Operator keeps the Secrets in default mode; the script writes them otherwise.
    expect(text).toMatch(
      /if \[\[ "\$\(value externalSecrets\.enabled\)" != "true" \]\]; then\n\s+bun charts\/secrets\.ts eks/,
    );
  });

  test("the admin API is reached by port-forward to auth-service, never through the ingress", async () => {
    for (const script of ["charts/register-service-key.sh", "kind/smoke.sh"]) {
      const text = await read(script);
      expect(text).toContain("source charts/auth-forward.sh");
      expect(text).not.toMatch(
        /\$base_url\/admin[^\n]*-d '\{"name":"(smoke-test|evaluation-service)"/,
      );
    }
    expect(await read("charts/auth-forward.sh")).toContain("port-forward service/auth");
  });

  test("the scripts work in the namespace of the releases", async () => {
    for (const script of ["kind/deploy.sh", "cdk/scripts/deploy.sh"]) {
      expect(await read(script)).toContain(`create namespace ${namespace}`);
    }
    expect(await read("charts/auth-forward.sh")).toContain(`NAMESPACE:-${namespace}`);
  });
});

describe("charts/image-tag.sh", () => {
  const git = (cwd: string, ...args: string[]) => {
    const result = Bun.spawnSync(
      ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", ...args],
      { cwd, stderr: "pipe" },
    );
    if (result.exitCode !== 0) throw new Error(result.stderr.toString());
  };
  const tagOf = (cwd: string) =>
    Bun.spawnSync(["bash", join(cwd, "charts", "image-tag.sh")], { stdout: "pipe" })
      .stdout.toString()
      .trim();

  test("names the commit, and every different uncommitted tree differently", async () => {
    const repo = await mkdtemp(join(tmpdir(), "toggle-tag-"));
    try {
      await mkdir(join(repo, "charts"));
      await cp(join(repoRoot, "charts", "image-tag.sh"), join(repo, "charts", "image-tag.sh"));
      await writeFile(join(repo, "service.ts"), "one\n");
      git(repo, "init", "-q");
      git(repo, "add", ".");
      git(repo, "commit", "-q", "-m", "first");

      const clean = tagOf(repo);
      expect(clean).toMatch(/^[0-9a-f]{12}$/);
      await writeFile(join(repo, "service.ts"), "two\n");
      const edited = tagOf(repo);
      await writeFile(join(repo, "service.ts"), "three\n");
      const editedAgain = tagOf(repo);
      await writeFile(join(repo, "new.ts"), "untracked\n");
      const withNewFile = tagOf(repo);

      for (const tag of [clean, edited, editedAgain, withNewFile]) expect(tag).toMatch(IMAGE_TAG);
      expect(edited).toStartWith(`${clean}-dirty-`);
      expect(new Set([clean, edited, editedAgain, withNewFile]).size).toBe(4);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe("charts/query.ts", () => {
  test("lists the services of the topology", async () => {
    expect(await query(["services"])).toBe(SERVICE_NAMES.join(" "));
  });

  test("reads one value of a generated file by its dotted key", async () => {
    const file = join(repoRoot, "charts", "environments", "eks.outputs.example.yaml");
    const example = parse(await Bun.file(file).text());
    expect(await query(["value", file, "cluster.name"])).toBe(example.cluster.name);
    expect(await query(["value", file, "externalSecrets.enabled"])).toBe("true");
    await expect(query(["value", file, "databases"])).rejects.toThrow(/not a scalar/);
    await expect(query(["nothing"])).rejects.toThrow(/usage/);
  });
});

describe("kind-cluster.yaml", () => {
  test("toggle-cluster: an ingress-ready control plane with ports 80/443 and two workers", async () => {
    const cluster = parse(await read("kind/kind-cluster.yaml"));
    expect(cluster.name).toBe("toggle-cluster");
    const [controlPlane, ...workers] = cluster.nodes;
    expect(controlPlane.role).toBe("control-plane");
    expect(controlPlane.labels).toMatchObject({ "ingress-ready": "true" });
    const hostPorts = controlPlane.extraPortMappings.map(
      (mapping: { containerPort: number; hostPort: number }) => [
        mapping.containerPort,
        mapping.hostPort,
      ],
    );
    expect(hostPorts).toEqual([
      [80, 80],
      [443, 443],
    ]);
    expect(workers.map((node: { role: string }) => node.role)).toEqual(["worker", "worker"]);
  });
});
