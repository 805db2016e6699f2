/**
 * The decision: pure, no I/O, shared by every endpoint. A flag's snapshot (the flag, its
 * targeting rule and the shared segments, as flag-service and targeting-service serve them)
 * is compiled once when it is cached, so deciding for a context is a branch, a hash, a set
 * lookup or a compiled rule, and every answer that does not depend on the context is built
 * once and shared.
 *
 * - A v1 flag (no variants) with no rule or a v1 rule keeps v1's exact results: missing or
 *   disabled → false; no rule or a disabled rule → true; PERCENTAGE → v1 bucket < value;
 *   USER_LIST → listed. Its variants are `on` and `off`.
 * - Every other flag is a flagd flag and resolves with flagd's semantics (services/shared/
 *   flagd). A v1 rule on a flag with variants becomes the JsonLogic it exports as
 *   (`targetingOf`), whose PERCENTAGE test is the `tm_v1_bucket` operation below.
 */
import { booleanVariant } from "@togglemaster/shared/events";
import type {
  FlagDefinition,
  Metadata,
  VariantKind,
  VariantValue,
} from "@togglemaster/shared/flagd/document";
import {
  compileFlag as compileFlagdFlag,
  type Resolution,
} from "@togglemaster/shared/flagd/resolve";
import type { Context, HostOperation } from "@togglemaster/shared/flagd/targeting";
import { isObject } from "@togglemaster/shared/limits";
import {
  checkRule,
  type Rule,
  targetingOf,
  V1_BUCKET_OPERATOR,
  type V1Rule,
} from "@togglemaster/shared/rules";
import { bucketOf } from "./bucket.ts";

/** The flag object as flag-service returns it; the v2 fields are absent on a v1 flag. */
export type FlagRecord = {
  is_enabled: boolean;
  variants?: Record<string, VariantValue> | null;
  default_variant?: string | null;
  metadata?: Metadata;
} & Record<string, unknown>;

/** The rule object as targeting-service returns it, with a rule document evaluation knows. */
export type RuleRecord = { is_enabled: boolean; rules: Rule } & Record<string, unknown>;

/** What is known about a flag: `flag` null means flag-service has no such flag. */
export interface FlagSnapshot {
  flag: FlagRecord | null;
  rule: RuleRecord | null;
  /** The shared segments (flagd's `$evaluators`), when the rule refers to any. */
  segments?: Record<string, unknown>;
  /** The flag set's metadata, under the flag's own in every answer. */
  flagSetMetadata?: Metadata;
}

/** A reason in OpenFeature (OFREP) terms; SPLIT is v1's PERCENTAGE. */
export type Reason = Resolution["reason"] | "SPLIT";

/** One answer: a value and its variant, or why there is none (then the caller's default). */
export interface Evaluation extends Omit<Resolution, "reason"> {
  readonly reason: Reason;
}

export interface CompiledFlag {
  /** False when flag-service has no such flag. */
  readonly found: boolean;
  /** The type of the values it serves. */
  readonly kind: VariantKind;
  /** True when a v1 decision depends on the user, so it needs a targeting key. */
  readonly needsTargetingKey: boolean;
  evaluate(context: Context): Evaluation;
}

/** The v1 bucket of the context's targeting key for a flag, as a JsonLogic operation. */
export const HOST_OPERATIONS: Readonly<Record<string, HostOperation>> = {
  [V1_BUCKET_OPERATOR]: (context, flagKey) =>
    typeof context.targetingKey === "string" ? bucketOf(context.targetingKey, flagKey) : null,
};

const NO_METADATA: Metadata = Object.freeze({});
const frozen = (evaluation: Evaluation): Evaluation => Object.freeze(evaluation);

const NOT_FOUND = frozen({
  reason: "ERROR",
  errorCode: "FLAG_NOT_FOUND",
  errorMessage: "flag not found",
  metadata: NO_METADATA,
});

const MISSING_FLAG: CompiledFlag = {
  found: false,
  kind: "boolean",
  needsTargetingKey: false,
  evaluate: () => NOT_FOUND,
};

const targetingKeyOf = (context: Context) =>
  typeof context.targetingKey === "string" ? context.targetingKey : "";

/**
 * A v1 flag with its v1 rule (or none), decided exactly as v1 decided; every answer it can
 * give is built here, once.
 */
function compileV1(
  flagName: string,
  enabled: boolean,
  rules: V1Rule | undefined,
  metadata: Metadata,
): CompiledFlag {
  const answer = (result: boolean, reason: Reason) =>
    frozen({ value: result, variant: booleanVariant(result), reason, metadata });
  const constant = (evaluation: Evaluation): CompiledFlag => ({
    found: true,
    kind: "boolean",
    needsTargetingKey: false,
    evaluate: () => evaluation,
  });
  if (!enabled) return constant(answer(false, "DISABLED"));
  if (rules === undefined) return constant(answer(true, "STATIC"));
  if (rules.type === "PERCENTAGE") {
    const percentage = rules.value;
    const [inside, outside] = [answer(true, "SPLIT"), answer(false, "SPLIT")];
    return {
      found: true,
      kind: "boolean",
      needsTargetingKey: true,
      evaluate: (context) =>
        bucketOf(targetingKeyOf(context), flagName) < percentage ? inside : outside,
    };
  }
  const listed = new Set(rules.values);
  const [match, miss] = [answer(true, "TARGETING_MATCH"), answer(false, "DEFAULT")];
  return {
    found: true,
    kind: "boolean",
    needsTargetingKey: true,
    evaluate: (context) => (listed.has(targetingKeyOf(context)) ? match : miss),
  };
}

const V1_VARIANTS: Record<string, VariantValue> = { on: true, off: false };

/** Compiles a snapshot into the flag every endpoint decides with. */
export function compileFlag(
  flagName: string,
  { flag, rule, segments, flagSetMetadata = NO_METADATA }: FlagSnapshot,
): CompiledFlag {
  if (flag === null) return MISSING_FLAG;
  const activeRule = rule?.is_enabled ? rule.rules : undefined;
  const isV1Flag = flag.variants === undefined || flag.variants === null;
  if (isV1Flag && activeRule?.type !== "JSONLOGIC")
    return compileV1(
      flagName,
      flag.is_enabled,
      activeRule,
      Object.freeze({ ...flagSetMetadata, ...flag.metadata }),
    );

  const definition: FlagDefinition = {
    state: flag.is_enabled ? "ENABLED" : "DISABLED",
    variants: flag.variants ?? V1_VARIANTS,
    defaultVariant: isV1Flag ? "on" : (flag.default_variant ?? null),
    metadata: flag.metadata ?? {},
    ...(activeRule !== undefined && {
      targeting: targetingOf(activeRule),
    }),
  };
  const compiled = compileFlagdFlag(flagName, definition, segments, {
    operations: HOST_OPERATIONS,
    flagSetMetadata,
  });
  return {
    found: true,
    kind: compiled.kind,
    needsTargetingKey: false,
    evaluate: compiled.evaluate,
  };
}

/**
 * What an evaluation event says: the boolean answer of a boolean flag (null for other kinds)
 * and the variant served, or, when none was, why: `(disabled)`, `(default)`, `(flag_not_found)`…
 */
export function eventOf(
  kind: VariantKind,
  answer: { value?: unknown; variant?: string; reason?: string; errorCode?: string },
): { result: boolean | null; variant: string } {
  return {
    result: kind === "boolean" ? answer.value === true : null,
    variant: answer.variant ?? `(${(answer.errorCode ?? answer.reason ?? "error").toLowerCase()})`,
  };
}

/** One decision without caching: what `compileFlag(...).evaluate(context)` answers. */
export const decide = (flagName: string, snapshot: FlagSnapshot, context: Context): Evaluation =>
  compileFlag(flagName, snapshot).evaluate(context);

/** A flag object as flag-service returns it, or undefined when it is not one. */
export function parseFlag(value: unknown): FlagRecord | undefined {
  if (!isObject(value) || typeof value.is_enabled !== "boolean") return undefined;
  const { variants, default_variant: defaultVariant, metadata } = value;
  if (variants !== undefined && variants !== null && !isObject(variants)) return undefined;
  if (defaultVariant !== undefined && defaultVariant !== null && typeof defaultVariant !== "string")
    return undefined;
  if (metadata !== undefined && !isObject(metadata)) return undefined;
  return value as FlagRecord;
}

/** A rule object as targeting-service returns it, with a rule document evaluation understands. */
export function parseRule(value: unknown): RuleRecord | undefined {
  if (!isObject(value) || typeof value.is_enabled !== "boolean") return undefined;
  const check = checkRule(value.rules);
  return check.ok ? ({ ...value, rules: check.rule } as RuleRecord) : undefined;
}

/** Whether a rule refers to shared segments, so they must be read with it. */
export const refersToSegments = (rule: RuleRecord | null) =>
  rule?.rules.type === "JSONLOGIC" && JSON.stringify(rule.rules.targeting).includes('"$ref"');

/** A snapshot read back from the shared cache; anything malformed is treated as absent. */
export function parseSnapshot(value: unknown): FlagSnapshot | undefined {
  if (!isObject(value)) return undefined;
  // Both keys must be present: an absent rule is never read as "no rule".
  const flag = value.flag === null ? null : parseFlag(value.flag);
  const rule = value.rule === null ? null : parseRule(value.rule);
  if (flag === undefined || rule === undefined) return undefined;
  const { segments, flagSetMetadata } = value;
  if (segments !== undefined && !isObject(segments)) return undefined;
  if (flagSetMetadata !== undefined && !isObject(flagSetMetadata)) return undefined;
  return {
    flag,
    rule,
    ...(segments !== undefined && { segments }),
    ...(flagSetMetadata !== undefined && { flagSetMetadata: flagSetMetadata as Metadata }),
  };
}
