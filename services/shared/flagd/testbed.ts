/**
 * flagd's conformance testbed (github.com/open-feature/flagd-testbed) read as evaluation
 * cases, for any runner: in process against the compiled flags, or end to end over OFREP.
 * A scenario either becomes one case (which flag, asked as which type with which fallback
 * and context, and what the answer must be) or is skipped with the reason why: scenarios
 * about providers (connection, caching, events, configuration) test no evaluation.
 */
import type { GherkinScenario, GherkinStep } from "./gherkin.ts";

/** The value types the testbed asks for; Integer and Float are both JSON numbers. */
export type ValueType = "Boolean" | "String" | "Integer" | "Float" | "Object";

/**
 * The flag set a case runs against: "testkit" (evaluator/flags/testkit-flags.json),
 * "merged" (the flags/*.json files but the selector ones, merged into one document), or the
 * name of one flags/ file a selector picks on its own.
 */
export type FlagSource = "testkit" | "merged" | (string & {});

export interface Expectations {
  readonly value?: unknown;
  readonly reason?: string;
  /** null when the answer must carry no error code. */
  readonly errorCode?: string | null;
  readonly variant?: string;
  /** Entries the answer's metadata must contain. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly metadataEmpty?: boolean;
}

export interface EvaluationCase {
  readonly source: FlagSource;
  readonly flagKey: string;
  readonly type: ValueType;
  /** The caller's default, served when the answer carries no value. */
  readonly fallback: unknown;
  readonly context: Readonly<Record<string, unknown>>;
  readonly expect: Expectations;
}

export type ScenarioPlan = { readonly case: EvaluationCase } | { readonly skip: string };

/** What an evaluation answered, as an OpenFeature client reports it. */
export interface EvaluationDetails {
  readonly value: unknown;
  readonly variant?: string;
  readonly reason?: string;
  readonly errorCode?: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Feature tags of suites that test no evaluation, with the reason. */
const SKIPPED_FEATURE_TAGS: ReadonlyMap<string, string> = new Map([
  ["contextEnrichment", "provider feature: context a sync stream injects"],
  ["sync-payload", "provider feature: the sync payload's metadata"],
]);

/** Scenario and Examples tags that select another generation of an operation, with the reason. */
const SKIPPED_TAGS: ReadonlyMap<string, string> = new Map([
  ["fractional-v1", "legacy fractional bucketing (v1), replaced by flagd's integer bucketing (v2)"],
  ["fractional-v3", "CBOR-encoded fractional hashing (v3), not in flagd's core yet"],
  ["deprecated", "deprecated upstream: superseded by the @no-default-variant scenarios"],
]);

/** Step patterns of provider concerns, with the reason a scenario using them is skipped. */
const PROVIDER_STEPS: readonly [RegExp, string][] = [
  [/event/, "provider events"],
  [/connection|(unavailable|forbidden|ssl|socket) flagd provider/, "provider connection"],
  [/the flag was modified/, "flag change notifications"],
  [
    /config was initialized|environment variable|should have the value|we should have an error/,
    "provider configuration",
  ],
  [/client should be in/, "provider state"],
];

/** A scenario being read: what its steps have said so far. */
interface Draft {
  source: FlagSource;
  flag?: { key: string; type: ValueType; fallback: string };
  evaluations: number;
  context: Record<string, unknown>;
  expect: { -readonly [K in keyof Expectations]: Expectations[K] };
}

/** Reads one step into the draft; returning a string skips the scenario, for that reason. */
type StepReader = (groups: string[], draft: Draft, step: GherkinStep) => unknown;

const STEPS: readonly [RegExp, StepReader][] = [
  [/^an? (?:stable|metadata) flagd provider$|^an evaluator$/, () => undefined],
  [
    /^an option "(.*)" of type ".*" with value "(.*)"$/,
    ([option, value = ""], draft) => {
      if (option === "cache") return value === "disabled" ? undefined : "provider caching";
      if (option !== "selector") return "provider configuration";
      // A selector picks one flags/ file; "flags/allFlags.json" is the merged document.
      draft.source = value === "flags/allFlags.json" ? "merged" : (value.split("/").at(-1) ?? "");
    },
  ],
  [
    /^a (Boolean|String|Integer|Float|Object)-flag with key "(.*)" and a (?:fallback|default) value "(.*)"$/,
    ([type, key = "", fallback = ""], draft) => {
      draft.flag = { key, type: type as ValueType, fallback };
    },
  ],
  [
    /^a context containing a key "(.*)", with type "(.*)" and with value "(.*)"$/,
    ([key = "", type = "", value = ""], draft) => {
      draft.context[key] = typedValue(type, value);
    },
  ],
  [
    /^a context containing a nested property with outer key "(.*)" and inner key "(.*)", with value "(.*)"$/,
    ([outer = "", inner = "", value = ""], draft) => {
      draft.context[outer] = { ...(draft.context[outer] as object), [inner]: value };
    },
  ],
  [
    /^a context containing a targeting key with value "(.*)"$/,
    ([value], draft) => {
      draft.context.targetingKey = value;
    },
  ],
  [
    /^the flag was evaluated with details$/,
    (_, draft) => {
      draft.evaluations++;
    },
  ],
  [
    /^the resolved details value should be "(.*)"$/,
    ([value = ""], draft, step) => {
      if (draft.flag === undefined) return unsupported(step);
      draft.expect.value = typedValue(draft.flag.type, value);
    },
  ],
  [
    /^the reason should be "(.*)"$/,
    ([reason], draft) => {
      draft.expect.reason = reason;
    },
  ],
  [
    /^the error-code should be "(.*)"$/,
    ([code], draft) => {
      draft.expect.errorCode = code === "" ? null : code;
    },
  ],
  [
    /^the variant should be "(.*)"$/,
    ([variant], draft) => {
      draft.expect.variant = variant;
    },
  ],
  [
    /^the resolved metadata should contain$/,
    (_, draft, step) => {
      const [, ...rows] = step.table ?? [];
      draft.expect.metadata = Object.fromEntries(
        rows.map(([key = "", type = "", value = ""]) => [key, typedValue(type, value)]),
      );
    },
  ],
  [
    /^the resolved metadata is empty$/,
    (_, draft) => {
      draft.expect.metadataEmpty = true;
    },
  ],
];

/** Reads a scenario as an evaluation case against `source`, or says why it is skipped. */
export function planScenario(scenario: GherkinScenario, source: FlagSource): ScenarioPlan {
  for (const tag of scenario.tags) {
    const reason = SKIPPED_FEATURE_TAGS.get(tag) ?? SKIPPED_TAGS.get(tag);
    if (reason !== undefined) return { skip: reason };
  }
  const draft: Draft = { source, evaluations: 0, context: {}, expect: {} };
  for (const step of scenario.steps) {
    const provider = PROVIDER_STEPS.find(([pattern]) => pattern.test(step.text));
    if (provider !== undefined) return { skip: provider[1] };
    const reader = STEPS.find(([pattern]) => pattern.test(step.text));
    const groups = reader?.[0].exec(step.text)?.slice(1) ?? [];
    const skip = reader === undefined ? unsupported(step) : reader[1](groups, draft, step);
    if (typeof skip === "string") return { skip };
  }
  const { flag } = draft;
  if (flag === undefined || draft.evaluations !== 1)
    return { skip: "not a single flag evaluation (provider behaviour over time)" };
  return {
    case: {
      source: draft.source,
      flagKey: flag.key,
      type: flag.type,
      fallback: typedValue(flag.type, flag.fallback),
      context: draft.context,
      expect: draft.expect,
    },
  };
}

/** Files of flags/ that are flag-set selector sources, not part of the merged document. */
export const isSelectorFile = (name: string) => name.startsWith("selector-");

/**
 * The flags/ files (name → parsed JSON) merged into one document, as the testbed's merged
 * source serves them: `zero-flags.json` relies on `$evaluators` from `evaluator-refs.json`.
 */
export function mergedDocument(files: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const [name, file] of Object.entries(files)) {
    if (isSelectorFile(name)) continue;
    for (const section of ["flags", "$evaluators", "metadata"]) {
      const entries = (file as Record<string, unknown>)[section];
      if (entries !== undefined)
        merged[section] = { ...merged[section], ...(entries as Record<string, unknown>) };
    }
  }
  return merged;
}

/** How `details` falls short of the case's expectations: one line per difference. */
export function checkDetails(evaluation: EvaluationCase, details: EvaluationDetails): string[] {
  const problems: string[] = [];
  const { expect } = evaluation;
  const differs = (what: string, actual: unknown, expected: unknown) => {
    if (!sameJson(actual, expected))
      problems.push(`${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
  };
  if ("value" in expect) differs("value", details.value, expect.value);
  if (expect.reason !== undefined) differs("reason", details.reason, expect.reason);
  if (expect.errorCode !== undefined)
    differs("error code", details.errorCode ?? null, expect.errorCode);
  if (expect.variant !== undefined) differs("variant", details.variant, expect.variant);
  for (const [key, value] of Object.entries(expect.metadata ?? {}))
    differs(`metadata ${key}`, details.metadata[key], value);
  if (expect.metadataEmpty === true) differs("metadata", details.metadata, {});
  return problems;
}

const unsupported = (step: GherkinStep) => `unsupported step "${step.keyword} ${step.text}"`;

/** A testbed value written as text, read as its declared type. */
function typedValue(type: string, text: string): unknown {
  switch (type) {
    case "Boolean":
      return text === "true";
    case "Integer":
      return Number.parseInt(text, 10);
    case "Float":
      return Number.parseFloat(text);
    case "Object":
      // Tables write the quotes of JSON objects escaped.
      return JSON.parse(text.replaceAll('\\"', '"'));
    default:
      return text;
  }
}

function sameJson(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left !== "object" || typeof right !== "object" || left === null || right === null)
    return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  const leftKeys = Object.keys(left);
  const rightKeys = Object.keys(right);
  return (
    leftKeys.length === rightKeys.length &&
    leftKeys.every(
      (key) =>
        Object.hasOwn(right, key) &&
        sameJson((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]),
    )
  );
}
