/**
 * Every local-chart release of helmfile.yaml rendered once per environment, shared by the
 * test files. Files a deployment writes (the EKS outputs, the image tags) are replaced by
 * their committed examples.
 */
import type { Environment } from "./checks.ts";
import {
  environmentValues,
  type PlannedRelease,
  planReleases,
  readHelmfile,
  type ValuesTree,
} from "./helmfile.ts";
import { type Manifest, renderRelease } from "./render.ts";

export interface RenderedEnvironment {
  environment: Environment;
  values: ValuesTree;
  releases: PlannedRelease[];
  manifests: Manifest[];
}

export const withExamples = (file: string) =>
  file
    .replace(/eks\.outputs\.yaml$/, "eks.outputs.example.yaml")
    .replace(/(kind|eks)\.image\.yaml$/, "image.example.yaml");

/** Rendering every release of both environments with helm takes seconds on a busy machine. */
export const RENDER_TIMEOUT_MS = 60_000;

let rendering: Promise<RenderedEnvironment[]> | undefined;

export function renderEnvironments(): Promise<RenderedEnvironment[]> {
  rendering ??= readHelmfile().then((helmfile) =>
    Promise.all(
      Object.keys(helmfile.environments).map(async (name) => {
        if (name !== "kind" && name !== "eks") throw new Error(`unexpected environment ${name}`);
        const values = await environmentValues(helmfile, name, withExamples);
        const releases = planReleases(helmfile, name, values);
        const rendered = await Promise.all(
          releases
            .filter((release) => release.local)
            .map((release) => renderRelease(release, withExamples)),
        );
        return { environment: name, values, releases, manifests: rendered.flat() };
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
