/**
 * Reads helmfile.yaml the way helmfile does for the parts this project uses: environments
 * and their values, repositories, releases with YAML merge keys, `condition`s, release
 * templates that name the environment or the release, and values files ending in .gotmpl,
 * which helmfile renders with the environment's values. Tests use it to render and check
 * each release as helmfile would.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { runHelm } from "./tools.ts";

export const repoRoot = join(import.meta.dir, "..");

export interface Release {
  name: string;
  namespace: string;
  chart: string;
  version?: string;
  /** Dotted path of an environment value; the release is installed when it is true. */
  condition?: string;
  needs?: string[];
  values?: string[];
}

export interface Helmfile {
  environments: Record<string, { values: string[] }>;
  repositories: { name: string; url: string }[];
  releases: Release[];
}

/** One release as deployed to one environment, with the values files helmfile passes. */
export interface PlannedRelease {
  name: string;
  namespace: string;
  chart: string;
  version?: string;
  /** Whether the chart is a folder of this repository rather than a repository chart. */
  local: boolean;
  needs: string[];
  valueFiles: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: values files hold arbitrary YAML.
export type ValuesTree = Record<string, any>;

export async function readHelmfile(path = join(repoRoot, "helmfile.yaml")): Promise<Helmfile> {
  const documents = parseAllDocuments(await Bun.file(path).text(), { merge: true });
  const parts = (Array.isArray(documents) ? documents : [documents]).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]?.message}`);
    return (document.toJS() ?? {}) as Partial<Helmfile>;
  });
  return Object.assign({ environments: {}, repositories: [], releases: [] }, ...parts);
}

/**
 * Expands a release template. Only the forms used in helmfile.yaml are known; anything
 * else is an error here rather than a silent difference from helmfile.
 */
export function expandTemplate(text: string, environment: string, release: string): string {
  return text.replace(/\{\{(.*?)\}\}/g, (_whole, expression: string) => {
    const trimmed = expression.trim();
    if (trimmed === ".Environment.Name") return environment;
    if (trimmed === ".Release.Name") return release;
    throw new Error(`release template not understood: {{${expression}}}`);
  });
}

/** Maps are merged key by key, later files winning; anything else is replaced. */
export function mergeValues(base: ValuesTree, override: ValuesTree): ValuesTree {
  const merged: ValuesTree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] = isMap(current) && isMap(value) ? mergeValues(current, value) : value;
  }
  return merged;
}

const isMap = (value: unknown): value is ValuesTree =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The value at a dotted path such as `externalSecrets.enabled`, if any. */
export function valueAt(values: ValuesTree, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((node, key) => (isMap(node) ? node[key] : undefined), values);
}

/**
 * The environment's values: its files merged in order. `replaceFile` swaps a file for
 * another (the tests use committed examples in place of files a deployment writes).
 */
export async function environmentValues(
  helmfile: Helmfile,
  environment: string,
  replaceFile: (file: string) => string = (file) => file,
): Promise<ValuesTree> {
  const files = helmfile.environments[environment]?.values;
  if (!files) throw new Error(`no environment ${environment}`);
  let values: ValuesTree = {};
  for (const file of files) {
    values = mergeValues(
      values,
      parse(await Bun.file(join(repoRoot, replaceFile(file))).text()) ?? {},
    );
  }
  return values;
}

/** The releases installed in an environment with these values, in helmfile order. */
export function planReleases(
  helmfile: Helmfile,
  environment: string,
  values: ValuesTree,
): PlannedRelease[] {
  if (!helmfile.environments[environment]) throw new Error(`no environment ${environment}`);
  return helmfile.releases
    .filter((release) => {
      if (release.condition === undefined) return true;
      const flag = valueAt(values, release.condition);
      if (typeof flag !== "boolean") {
        throw new Error(`${release.name}: condition ${release.condition} is not a boolean value`);
      }
      return flag;
    })
    .map((release) => ({
      name: release.name,
      namespace: release.namespace,
      chart: release.chart,
      version: release.version,
      local: release.chart.startsWith("./"),
      needs: release.needs ?? [],
      valueFiles: (release.values ?? []).map((file) =>
        expandTemplate(file, environment, release.name),
      ),
    }));
}

/**
 * A values file as the chart receives it: plain YAML as it is, a .gotmpl file rendered with
 * the environment's values first. Rendering uses Helm's own template engine (Go templates
 * and the Sprig functions, as helmfile does), through `tpl` in a throwaway chart.
 */
export async function readValuesFile(file: string, values: ValuesTree): Promise<ValuesTree> {
  const text = await Bun.file(join(repoRoot, file)).text();
  if (!file.endsWith(".gotmpl")) return parse(text) ?? {};
  const folder = await mkdtemp(join(tmpdir(), "toggle-gotmpl-"));
  try {
    await Bun.write(join(folder, "Chart.yaml"), "apiVersion: v2\nname: gotmpl\nversion: 0.1.0\n");
    await Bun.write(join(folder, "source.gotmpl"), text);
    await Bun.write(
      join(folder, "templates", "rendered.yaml"),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rendered\ndata:\n  values: {{ tpl (.Files.Get "source.gotmpl") . | quote }}\n',
    );
    await Bun.write(join(folder, "environment.yaml"), JSON.stringify(values));
    const result = await runHelm(["template", "x", folder, "-f", join(folder, "environment.yaml")]);
    if (result.exitCode !== 0) throw new Error(`rendering ${file}: ${result.stderr}`);
    const rendered = parse(result.stdout.replace(/^---\n# Source:.*\n/, "")) as {
      data: { values: string };
    };
    return parse(rendered.data.values) ?? {};
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
