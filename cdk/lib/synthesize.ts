import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { DEFAULT_SETTINGS, type ToggleSettings } from "./settings.ts";
import { APP_CONTEXT, buildToggleStacks } from "./toggle-app.ts";

export interface ToggleTemplates {
  network: Template;
  cluster: Template;
  registry: Template;
  data: Template;
  serviceAccounts: Template | undefined;
  /** Cloud assembly directory, which also holds the validation report. */
  assemblyDirectory: string;
}

/** Synthesizes the whole app once; tests read the stack templates from it. */
export function synthesizeTemplates(overrides: Partial<ToggleSettings> = {}): ToggleTemplates {
  const app = new App({ context: APP_CONTEXT });
  const stacks = buildToggleStacks(app, { ...DEFAULT_SETTINGS, ...overrides });
  return {
    assemblyDirectory: app.synth().directory,
    network: Template.fromStack(stacks.network),
    cluster: Template.fromStack(stacks.cluster),
    registry: Template.fromStack(stacks.registry),
    data: Template.fromStack(stacks.data),
    serviceAccounts: stacks.serviceAccounts && Template.fromStack(stacks.serviceAccounts),
  };
}

/** The templates of all synthesized stacks. */
export function stackTemplates(templates: ToggleTemplates): Template[] {
  const { network, cluster, registry, data, serviceAccounts } = templates;
  return serviceAccounts === undefined
    ? [network, cluster, registry, data]
    : [network, cluster, registry, data, serviceAccounts];
}

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** Resources of one type, keyed by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, CfnResourceJson> {
  return template.findResources(type) as Record<string, CfnResourceJson>;
}

/** The one resource of `type` whose properties match `predicate`. */
export function onlyResource(
  template: Template,
  type: string,
  predicate: (properties: Record<string, unknown>) => boolean,
): { logicalId: string; properties: Record<string, unknown> } {
  const matches = Object.entries(resourcesOf(template, type)).filter(([, resource]) =>
    predicate(resource.Properties ?? {}),
  );
  const [match, ...others] = matches;
  if (match === undefined || others.length > 0) {
    throw new Error(`expected exactly one matching ${type}, found ${matches.length}`);
  }
  return { logicalId: match[0], properties: match[1].Properties ?? {} };
}

/**
 * Follows a cross-stack `Fn::ImportValue` back to the producer's exported value,
 * e.g. `{ Ref: "PrivateSubnetA" }`.
 */
export function exportedValue(producer: Template, imported: unknown): unknown {
  const name = (imported as { "Fn::ImportValue"?: unknown })["Fn::ImportValue"];
  if (typeof name !== "string") throw new Error(`not an import: ${JSON.stringify(imported)}`);
  const outputs = producer.toJSON().Outputs as Record<
    string,
    { Value: unknown; Export?: { Name?: string } }
  >;
  const output = Object.values(outputs).find((candidate) => candidate.Export?.Name === name);
  if (output === undefined) throw new Error(`no export named ${name}`);
  return output.Value;
}

export function tagsOf(properties: Record<string, unknown>): Record<string, string> {
  const tags = properties.Tags;
  if (Array.isArray(tags)) {
    return Object.fromEntries(
      (tags as { Key: string; Value: string }[]).map((tag) => [tag.Key, tag.Value]),
    );
  }
  return (tags ?? {}) as Record<string, string>;
}
