/**
 * Flag resolution with flagd's semantics, in OpenFeature (OFREP) terms. A flag is compiled
 * once per snapshot; every answer it can give without a targeting failure is built then and
 * shared, so an evaluation allocates nothing beyond what its targeting rule needs.
 *
 * - No targeting (absent or `{}`): the default variant, reason STATIC.
 * - Targeting returning a variant name (a boolean or number stands for its text, "true",
 *   "false", "2"): that variant, reason TARGETING_MATCH.
 * - Targeting returning null (or nothing): the default variant, reason DEFAULT.
 * - No default variant where one is needed: reason DEFAULT with no value and no variant, so
 *   the caller serves its own default.
 * - Targeting returning anything else, or a name that is not a variant: ERROR, GENERAL.
 * - Targeting that does not compile (unknown operator, unresolved `$ref`) or that throws:
 *   ERROR, PARSE_ERROR.
 * - state DISABLED: reason DISABLED with no value and no variant (the caller's default).
 * - Metadata: the flag set's, overridden key by key by the flag's, on every answer.
 */
import {
  type FlagDefinition,
  type FlagdDocument,
  type FlagState,
  type JsonValue,
  type Metadata,
  type VariantKind,
  type VariantValue,
  variantKind,
} from "./document.ts";
import { type Context, compileTargeting, type HostOperation } from "./targeting.ts";

export type Reason = "STATIC" | "TARGETING_MATCH" | "DEFAULT" | "DISABLED" | "ERROR";
export type ErrorCode = "FLAG_NOT_FOUND" | "TYPE_MISMATCH" | "PARSE_ERROR" | "GENERAL";

/** One evaluation's answer. `value` and `variant` are absent when the caller's default applies. */
export interface Resolution {
  readonly value?: VariantValue;
  readonly variant?: string;
  readonly reason: Reason;
  readonly errorCode?: ErrorCode;
  readonly errorMessage?: string;
  readonly metadata: Metadata;
}

export interface CompiledFlag {
  readonly key: string;
  readonly state: FlagState;
  /** The type of every value the flag serves. */
  readonly kind: VariantKind;
  /** True when the answer depends on the context: an enabled flag with working targeting. */
  readonly targeted: boolean;
  evaluate(context?: Context): Resolution;
}

export interface CompileOptions {
  /** The flag set's metadata, which the flag's own metadata overrides. */
  readonly flagSetMetadata?: Metadata;
  /** Milliseconds since the epoch, for `$flagd.timestamp`. */
  readonly clock?: () => number;
  /** The host's own operations (see TargetingOptions). */
  readonly operations?: Readonly<Record<string, HostOperation>>;
}

const EMPTY_CONTEXT: Context = Object.freeze({});

/** Compiles one flag of a document, with the document's `$evaluators`. */
export function compileFlag(
  key: string,
  flag: FlagDefinition,
  evaluators: Readonly<Record<string, unknown>> = {},
  options: CompileOptions = {},
): CompiledFlag {
  const metadata: Metadata = Object.freeze({ ...options.flagSetMetadata, ...flag.metadata });
  const values = new Map<string, VariantValue>(
    Object.entries(flag.variants).map(([name, value]) => [name, freeze(structuredClone(value))]),
  );
  const kind = variantKind(values.values().next().value) as VariantKind;
  const base = { key, state: flag.state, kind };
  const answer = (resolution: Omit<Resolution, "metadata">): Resolution =>
    Object.freeze({ ...resolution, metadata });
  const served = (variant: string | null, reason: Reason): Resolution =>
    variant === null
      ? answer({ reason: "DEFAULT" })
      : answer({ value: values.get(variant) as VariantValue, variant, reason });
  const always = (resolution: Resolution): CompiledFlag => ({
    ...base,
    targeted: false,
    evaluate: () => resolution,
  });

  if (flag.state === "DISABLED") return always(answer({ reason: "DISABLED" }));
  const rule = flag.targeting;
  if (rule === undefined || Object.keys(rule).length === 0)
    return always(served(flag.defaultVariant, "STATIC"));
  const compiled = compileTargeting(rule, {
    flagKey: key,
    evaluators,
    clock: options.clock,
    operations: options.operations,
  });
  if (!compiled.ok) return always(failure("PARSE_ERROR", `flag "${key}": ${compiled.problem}`));

  const fallback = served(flag.defaultVariant, "DEFAULT");
  const matches = new Map(
    [...values.keys()].map((variant) => [variant, served(variant, "TARGETING_MATCH")]),
  );
  const targeting = compiled.evaluate;
  return {
    ...base,
    targeted: true,
    evaluate(context = EMPTY_CONTEXT) {
      let result: unknown;
      try {
        result = targeting(context);
      } catch (error) {
        return failure("PARSE_ERROR", `flag "${key}": targeting failed: ${describe(error)}`);
      }
      if (result === null || result === undefined) return fallback;
      const name =
        typeof result === "string" || typeof result === "boolean" || typeof result === "number"
          ? String(result)
          : undefined;
      return (
        (name === undefined ? undefined : matches.get(name)) ??
        failure(
          "GENERAL",
          `flag "${key}": targeting returned ${JSON.stringify(result) ?? String(result)}, which names no variant`,
        )
      );
    },
  };

  function failure(errorCode: ErrorCode, errorMessage: string): Resolution {
    return answer({ reason: "ERROR", errorCode, errorMessage });
  }
}

export interface CompiledFlagSet {
  readonly metadata: Metadata;
  readonly flags: ReadonlyMap<string, CompiledFlag>;
  /** Evaluates a flag of the set; FLAG_NOT_FOUND (with the set's metadata) when it has none. */
  evaluate(key: string, context?: Context): Resolution;
}

/** Compiles every flag of a checked document. */
export function compileFlagSet(
  document: FlagdDocument,
  options: Pick<CompileOptions, "clock"> = {},
): CompiledFlagSet {
  const metadata = Object.freeze({ ...document.metadata });
  const flags = new Map(
    Object.entries(document.flags).map(([key, flag]) => [
      key,
      compileFlag(key, flag, document.$evaluators, { ...options, flagSetMetadata: metadata }),
    ]),
  );
  return {
    metadata,
    flags,
    evaluate: (key, context) => flags.get(key)?.evaluate(context) ?? flagNotFound(key, metadata),
  };
}

/** The answer for a flag the set does not have. */
export const flagNotFound = (key: string, metadata: Metadata = {}): Resolution => ({
  reason: "ERROR",
  errorCode: "FLAG_NOT_FOUND",
  errorMessage: `flag "${key}" not found`,
  metadata,
});

/**
 * The resolution as seen by a caller asking for a `kind` of value: TYPE_MISMATCH when the
 * flag served a value of another kind. Answers without a value pass unchanged.
 */
export function requireKind(resolution: Resolution, kind: VariantKind): Resolution {
  if (resolution.value === undefined) return resolution;
  const served = variantKind(resolution.value);
  if (served === kind) return resolution;
  return {
    reason: "ERROR",
    errorCode: "TYPE_MISMATCH",
    errorMessage: `the flag serves ${served} values, not ${kind}`,
    metadata: resolution.metadata,
  };
}

function freeze<T extends JsonValue>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) freeze(item);
    Object.freeze(value);
  }
  return value;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
