/**
 * Every local-chart release of helmfile.yaml rendered once per environment, shared by the
 * test files. EKS uses the committed example in place of the generated outputs file.
 */
import type { Environment } from "./checks.ts";
import { type PlannedRelease, planReleases, readHelmfile } from "./helmfile.ts";
import { type Manifest, renderRelease } from "./render.ts";

export interface RenderedEnvironment {
  environment: Environment;
  releases: PlannedRelease[];
  manifests: Manifest[];
}

export const withExampleOutputs = (file: string) =>
  file.replace(/eks\.outputs\.yaml$/, "eks.outputs.example.yaml");

let rendering: Promise<RenderedEnvironment[]> | undefined;

export function renderEnvironments(): Promise<RenderedEnvironment[]> {
  rendering ??= readHelmfile().then((helmfile) =>
    Promise.all(
      Object.keys(helmfile.environments).map(async (name) => {
        if (name !== "kind" && name !== "eks") throw new Error(`unexpected environment ${name}`);
        const releases = planReleases(helmfile, name);
        const rendered = await Promise.all(
          releases
            .filter((release) => release.local)
            .map((release) => renderRelease(release, withExampleOutputs)),
        );
        return { environment: name, releases, manifests: rendered.flat() };
      }),
    ),
  );
  return rendering;
}

export async function renderedEnvironment(environment: Environment): Promise<RenderedEnvironment> {
  const found = (await renderEnvironments()).find(
    (rendered) => rendered.environment === environment,
  );
  if (!found) throw new Error(`helmfile.yaml has no ${environment} environment`);
  return found;
}
