/**
 * Renders releases with `helm template` and checks every object against the Kubernetes
 * schema of its kind, through the kubernetes-models classes.
 */
import {
  ExternalSecret,
  SecretStore,
} from "@kubernetes-models/external-secrets/external-secrets.io/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import type { PlannedRelease } from "./helmfile.ts";
import { runHelm } from "./tools.ts";

/** A rendered object: what the API server would receive. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: checks walk arbitrary object shapes.
  spec?: any;
  data?: Record<string, string>;
  /** The release that rendered it. */
  release: string;
}

interface Validatable {
  validate(): void;
}

const models: Record<string, new (data: never) => Validatable> = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "external-secrets.io/v1/ExternalSecret": ExternalSecret,
  "external-secrets.io/v1/SecretStore": SecretStore,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
};

/** Throws unless the object is a known kind that passes its schema. */
export function validateManifest(object: { apiVersion?: string; kind?: string }): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = models[key];
  if (!Model) throw new Error(`no kubernetes-models class registered for ${key}`);
  new Model(object as never).validate();
}

/** Parses multi-document YAML, dropping empty documents. */
export function parseManifests(text: string, release: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${release}: ${document.errors[0]?.message}`);
      return document.toJS() as Omit<Manifest, "release"> | null;
    })
    .filter((object) => object !== null)
    .map((object) => ({ ...object, release }));
}

/**
 * `helm template` of a local-chart release; `replaceFile` swaps a values file for another
 * (the tests use the committed example in place of the generated EKS outputs).
 */
export async function renderRelease(
  release: PlannedRelease,
  replaceFile: (file: string) => string = (file) => file,
): Promise<Manifest[]> {
  const valueArgs = release.valueFiles.flatMap((file) => ["-f", replaceFile(file)]);
  const args = ["template", release.name, release.chart, "-n", release.namespace, ...valueArgs];
  const result = await runHelm(args);
  if (result.exitCode !== 0) throw new Error(`helm ${args.join(" ")}\n${result.stderr}`);
  const manifests = parseManifests(result.stdout, release.name);
  for (const manifest of manifests) {
    const { release: _release, ...object } = manifest;
    try {
      validateManifest(object);
    } catch (error) {
      throw new Error(`${release.name} ${manifest.kind}/${manifest.metadata.name}: ${error}`);
    }
  }
  return manifests;
}
