import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { namespace } from "./contract.ts";

const chartsFolder = import.meta.dir;
const kindFolder = join(chartsFolder, "..", "kind");
const scripts = [
  ...readdirSync(kindFolder)
    .filter((file) => file.endsWith(".sh"))
    .map((file) => join(kindFolder, file)),
  ...readdirSync(chartsFolder)
    .filter((file) => file.endsWith(".sh"))
    .map((file) => join(chartsFolder, file)),
];
const read = (file: string) => Bun.file(join(kindFolder, file)).text();

describe("KIND scripts", () => {
  test("the expected scripts exist", () => {
    const names = scripts.map((script) => script.split("/").pop());
    expect(names).toEqual(
      expect.arrayContaining([
        "create-cluster.sh",
        "build-images.sh",
        "deploy.sh",
        "smoke.sh",
        "teardown.sh",
      ]),
    );
  });

  for (const script of scripts) {
    test(`${script.split("/").slice(-2).join("/")} parses (bash -n) and stops on errors`, async () => {
      const check = Bun.spawnSync(["bash", "-n", script], { stderr: "pipe" });
      expect(check.stderr.toString()).toBe("");
      expect(check.exitCode).toBe(0);
      expect(await Bun.file(script).text()).toMatch(
        /^#!\/usr\/bin\/env bash\n[\s\S]*set -euo pipefail/,
      );
    });
  }

  test("images are built from Dockerfile.bun per service and loaded into toggle-cluster", async () => {
    const text = await read("build-images.sh");
    expect(text).toContain(
      'docker buildx build -f Dockerfile.bun --build-arg "SERVICE=$service" -t "$image"',
    );
    expect(text).toContain('image="toggle-master/$service:dev"');
    expect(text).toContain('kind load docker-image "$image" --name "$cluster"');
  });

  test("the scripts work in the namespace of the releases", async () => {
    for (const script of ["deploy.sh", "smoke.sh"]) expect(await read(script)).toContain(namespace);
    const register = await Bun.file(join(chartsFolder, "register-service-key.sh")).text();
    expect(register).toContain(`NAMESPACE:-${namespace}`);
  });

  test("deploy creates the Secrets before `helmfile -e kind apply`", async () => {
    const text = await read("deploy.sh");
    const secrets = text.indexOf("bun charts/secrets.ts kind");
    expect(secrets).toBeGreaterThan(0);
    expect(text.indexOf("helmfile -e kind apply")).toBeGreaterThan(secrets);
  });
});

describe("kind-cluster.yaml", () => {
  test("toggle-cluster: an ingress-ready control plane with ports 80/443 and two workers", async () => {
    const cluster = parse(await read("kind-cluster.yaml"));
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
