/**
 * Reads helmfile.yaml the way helmfile does for the parts this project uses: environments,
 * repositories, releases with YAML merge keys, and release templates that name the
 * environment or the release. Tests use it to render each release as helmfile would.
 */
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

export const repoRoot = join(import.meta.dir, "..");

export interface Release {
  name: string;
  namespace: string;
  chart: string;
  version?: string;
  installedTemplate?: string;
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
  valueFiles: string[];
}

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
    const comparison = /^eq \.Environment\.Name "([^"]+)"$/.exec(trimmed);
    if (comparison) return String(comparison[1] === environment);
    throw new Error(`release template not understood: {{${expression}}}`);
  });
}

/** The releases installed in `environment`, in helmfile order. */
export function planReleases(helmfile: Helmfile, environment: string): PlannedRelease[] {
  if (!helmfile.environments[environment]) throw new Error(`no environment ${environment}`);
  return helmfile.releases
    .filter(
      (release) =>
        release.installedTemplate === undefined ||
        expandTemplate(release.installedTemplate, environment, release.name) === "true",
    )
    .map((release) => ({
      name: release.name,
      namespace: release.namespace,
      chart: release.chart,
      version: release.version,
      local: release.chart.startsWith("./"),
      valueFiles: (release.values ?? []).map((file) =>
        expandTemplate(file, environment, release.name),
      ),
    }));
}
