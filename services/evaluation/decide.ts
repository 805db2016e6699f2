/**
 * The decision: pure, no I/O, shared by every endpoint. A flag's snapshot (the flag and
 * its targeting rule as flag and targeting serve them) is compiled once when it is cached,
 * so deciding for a user is a branch, a hash or a set lookup.
 */
import { checkRule, type Rule } from "@togglemaster/shared/rules";
import { bucketOf } from "./bucket.ts";

/** Longest user id accepted (targeting's own bound for listed users). */
export const MAX_USER_ID = 256;
/** Longest flag name flag-service accepts. */
export const MAX_FLAG_NAME = 100;
/**
 * Every flag flag-service can serve has such a name: its own pattern, minus "." and "..",
 * which a URL path cannot carry.
 */
export const FLAG_NAME = /^(?!\.\.?$)[A-Za-z0-9_.:-]{1,100}$/;

/** The flag and rule objects as flag-service and targeting-service return them. */
export type FlagRecord = { is_enabled: boolean } & Record<string, unknown>;
export type RuleRecord = { is_enabled: boolean; rules: Rule } & Record<string, unknown>;

/** What is known about a flag: `flag` null means flag-service has no such flag. */
export interface FlagSnapshot {
  flag: FlagRecord | null;
  rule: RuleRecord | null;
}

/** Why a decision came out as it did, in OpenFeature (OFREP) terms. */
export type Reason =
  | "STATIC"
  | "SPLIT"
  | "TARGETING_MATCH"
  | "DEFAULT"
  | "DISABLED"
  | "FLAG_NOT_FOUND";

export interface Decision {
  readonly result: boolean;
  readonly reason: Reason;
}

export interface CompiledFlag {
  /** False when flag-service has no such flag. */
  readonly found: boolean;
  /** True when the decision depends on the user (an enabled rule on an enabled flag). */
  readonly targeted: boolean;
  decide(userId: string): Decision;
}

const decision = (result: boolean, reason: Reason): Decision => Object.freeze({ result, reason });
const NOT_FOUND = decision(false, "FLAG_NOT_FOUND");
const DISABLED = decision(false, "DISABLED");
const STATIC_ON = decision(true, "STATIC");
const SPLIT_IN = decision(true, "SPLIT");
const SPLIT_OUT = decision(false, "SPLIT");
const LISTED = decision(true, "TARGETING_MATCH");
const NOT_LISTED = decision(false, "DEFAULT");

const constant = (found: boolean, outcome: Decision): CompiledFlag => ({
  found,
  targeted: false,
  decide: () => outcome,
});

const MISSING_FLAG = constant(false, NOT_FOUND);
const DISABLED_FLAG = constant(true, DISABLED);
const STATIC_FLAG = constant(true, STATIC_ON);

/**
 * Flag missing or disabled → false; no rule or rule disabled → true; PERCENTAGE → the
 * user's bucket below the value; USER_LIST → the user listed.
 */
export function compileFlag(flagName: string, { flag, rule }: FlagSnapshot): CompiledFlag {
  if (flag === null) return MISSING_FLAG;
  if (!flag.is_enabled) return DISABLED_FLAG;
  if (rule === null || !rule.is_enabled) return STATIC_FLAG;
  const { rules } = rule;
  if (rules.type === "PERCENTAGE") {
    const percentage = rules.value;
    return {
      found: true,
      targeted: true,
      decide: (userId) => (bucketOf(userId, flagName) < percentage ? SPLIT_IN : SPLIT_OUT),
    };
  }
  const listed = new Set(rules.values);
  return {
    found: true,
    targeted: true,
    decide: (userId) => (listed.has(userId) ? LISTED : NOT_LISTED),
  };
}

/** One decision without caching: what `compileFlag(...).decide(userId)` answers. */
export const decide = (flagName: string, snapshot: FlagSnapshot, userId: string): Decision =>
  compileFlag(flagName, snapshot).decide(userId);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A flag object as flag-service returns it, or undefined when it is not one. */
export function parseFlag(value: unknown): FlagRecord | undefined {
  return isObject(value) && typeof value.is_enabled === "boolean"
    ? (value as FlagRecord)
    : undefined;
}

/** A rule object as targeting-service returns it, with a rule document evaluation understands. */
export function parseRule(value: unknown): RuleRecord | undefined {
  if (!isObject(value) || typeof value.is_enabled !== "boolean") return undefined;
  const check = checkRule(value.rules);
  return check.ok ? ({ ...value, rules: check.rule } as RuleRecord) : undefined;
}

/** A snapshot read back from the shared cache; anything malformed is treated as absent. */
export function parseSnapshot(value: unknown): FlagSnapshot | undefined {
  if (!isObject(value)) return undefined;
  // Both keys must be present: an absent rule is never read as "no rule".
  const flag = value.flag === null ? null : parseFlag(value.flag);
  const rule = value.rule === null ? null : parseRule(value.rule);
  if (flag === undefined || rule === undefined) return undefined;
  return { flag, rule };
}
