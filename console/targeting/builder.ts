/**
 * Flagd targeting for the common cases, written from a form: conditions on the user's
 * attributes combined with "and" or "or" that serve one variant, or a split of users by
 * weight. Pure: what it writes is JsonLogic with flagd's operations, edited further as text.
 */
import type { JsonObject } from "../api.ts";

export const CONDITION_TESTS = ["equals", "one_of", "starts_with", "ends_with", "sem_ver"] as const;
export type ConditionTest = (typeof CONDITION_TESTS)[number];

export const CONDITION_TEST_LABELS: Record<ConditionTest, string> = {
  equals: "equals",
  one_of: "is one of",
  starts_with: "starts with",
  ends_with: "ends with",
  sem_ver: "is a version",
};

/** flagd's `sem_ver` comparisons: `^` same major, `~` same minor. */
export const VERSION_COMPARISONS = ["=", "!=", "<", "<=", ">", ">=", "^", "~"] as const;
export type VersionComparison = (typeof VERSION_COMPARISONS)[number];

export interface Condition {
  attribute: string;
  test: ConditionTest;
  /** Only for `sem_ver`. */
  comparison: VersionComparison;
  /** For `one_of`, values separated by commas. */
  value: string;
}

export interface ConditionsDraft {
  join: "and" | "or";
  conditions: Condition[];
  /** The variant users who match get. */
  variant: string;
  /** The variant everyone else gets; "" for the flag's default variant. */
  otherwise: string;
}

export interface Share {
  variant: string;
  weight: string;
}

export type Built = { ok: true; targeting: JsonObject } | { ok: false; problem: string };

export const emptyCondition = (): Condition => ({
  attribute: "",
  test: "equals",
  comparison: ">=",
  value: "",
});

const fail = (problem: string): Built => ({ ok: false, problem });

function conditionLogic({ attribute, test, comparison, value }: Condition): JsonObject {
  const subject = { var: attribute.trim() };
  switch (test) {
    case "equals":
      return { "==": [subject, value] };
    case "one_of":
      return { in: [subject, listOf(value)] };
    case "starts_with":
    case "ends_with":
      return { [test]: [subject, value] };
    case "sem_ver":
      return { sem_ver: [subject, comparison, value.trim()] };
  }
}

const listOf = (text: string) =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/** `if` the conditions hold, the variant; else the other one, or null for the default. */
export function conditionsTargeting({
  join,
  conditions,
  variant,
  otherwise,
}: ConditionsDraft): Built {
  if (conditions.length === 0) return fail("Add a condition.");
  for (const [index, condition] of conditions.entries()) {
    const which = `condition ${index + 1}`;
    if (condition.attribute.trim() === "") return fail(`Name the attribute of ${which}.`);
    const empty =
      condition.test === "one_of"
        ? listOf(condition.value).length === 0
        : condition.value.trim() === "";
    if (empty) return fail(`Give ${which} a value to compare with.`);
  }
  if (variant === "") return fail("Choose the variant users who match get.");
  const [only] = conditions;
  const test =
    conditions.length === 1 && only !== undefined
      ? conditionLogic(only)
      : { [join]: conditions.map(conditionLogic) };
  return { ok: true, targeting: { if: [test, variant, otherwise === "" ? null : otherwise] } };
}

/** flagd's `fractional`: each user lands in one share, by their targeting key, for good. */
export function splitTargeting(shares: readonly Share[]): Built {
  if (shares.length < 2) return fail("A split needs at least two shares.");
  const buckets: [string, number][] = [];
  for (const [index, { variant, weight }] of shares.entries()) {
    const which = `share ${index + 1}`;
    if (variant === "") return fail(`Choose the variant of ${which}.`);
    if (buckets.some(([taken]) => taken === variant))
      return fail(`${variant} has two shares: give it one.`);
    const number = Number(weight);
    if (weight.trim() === "" || !Number.isInteger(number) || number < 0)
      return fail(`The weight of ${which} must be a whole number, 0 or more.`);
    buckets.push([variant, number]);
  }
  if (buckets.every(([, weight]) => weight === 0))
    return fail("At least one weight must be above 0.");
  return { ok: true, targeting: { fractional: buckets } };
}
