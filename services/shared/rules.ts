/**
 * Targeting rule documents: the shapes targeting accepts and evaluation trusts, and how each
 * reads as flagd targeting. Pure, so both services and any runtime share one definition.
 *
 * - `{"type":"PERCENTAGE","value":0..100}` and `{"type":"USER_LIST","values":[…]}`: v1.
 * - `{"type":"JSONLOGIC","targeting":{…}}`: flagd targeting (JsonLogic with flagd's
 *   operations and `$ref`s to segments). Any JSON object is accepted: as in flagd, an unknown
 *   operator or an unresolved `$ref` is stored and evaluates to PARSE_ERROR.
 */
import type { JsonObject } from "./flagd/document.ts";
import { MAX_JSON_DEPTH, pathBeyond } from "./json.ts";
import { isObject, MAX_USER_ID } from "./limits.ts";

export type V1Rule =
  | { type: "PERCENTAGE"; value: number }
  | { type: "USER_LIST"; values: string[] };
export type JsonLogicRule = { type: "JSONLOGIC"; targeting: JsonObject };
export type Rule = V1Rule | JsonLogicRule;

export const RULE_TYPES = ["PERCENTAGE", "USER_LIST", "JSONLOGIC"] as const;
export const MAX_USER_LIST = 10_000;

export type RuleCheck = { ok: true; rule: Rule } | { ok: false; problem: string };

const fail = (problem: string): RuleCheck => ({ ok: false, problem });

/** Why `targeting` cannot be stored as flagd targeting, or undefined when it can. */
export function targetingProblem(targeting: unknown): string | undefined {
  if (!isObject(targeting)) return "deve ser um objeto JsonLogic";
  if (pathBeyond(targeting, MAX_JSON_DEPTH) !== undefined)
    return `aninha mais de ${MAX_JSON_DEPTH} níveis de listas e objetos`;
  return undefined;
}

/** Validates a rule document, naming the first problem found; keeps only known fields. */
export function checkRule(document: unknown): RuleCheck {
  if (!isObject(document)) return fail("'rules' deve ser um objeto JSON com o campo 'type'");
  const { type, value, values, targeting } = document;
  switch (type) {
    case "PERCENTAGE":
      if (!isPercentage(value))
        return fail("'rules.value' deve ser um número entre 0 e 100 para regras PERCENTAGE");
      return { ok: true, rule: { type, value } };
    case "USER_LIST":
      if (!isUserIdList(values))
        return fail(
          `'rules.values' deve ser uma lista de textos (até ${MAX_USER_ID} caracteres cada) para regras USER_LIST`,
        );
      if (values.length > MAX_USER_LIST)
        return fail(`'rules.values' aceita no máximo ${MAX_USER_LIST} usuários`);
      return { ok: true, rule: { type, values } };
    case "JSONLOGIC": {
      const problem = targetingProblem(targeting);
      if (problem !== undefined) return fail(`'rules.targeting' ${problem} para regras JSONLOGIC`);
      return { ok: true, rule: { type, targeting: targeting as JsonObject } };
    }
    default:
      return fail(
        type === undefined
          ? "'rules.type' é obrigatório (PERCENTAGE ou USER_LIST)"
          : `Tipo de regra desconhecido: ${JSON.stringify(type)} (use PERCENTAGE ou USER_LIST)`,
      );
  }
}

const isPercentage = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 100;

const isUserIdList = (values: unknown): values is string[] =>
  Array.isArray(values) && values.every((id) => typeof id === "string" && id.length <= MAX_USER_ID);

/**
 * The ToggleMaster operator of v1's bucket: SHA-1 of `targetingKey + flagKey`, first four
 * bytes big-endian, modulo 100. flagd has no such operation (its `fractional` hashes
 * differently), so a real flagd answers PARSE_ERROR for a rule using it.
 */
export const V1_BUCKET_OPERATOR = "tm_v1_bucket";

/**
 * A rule as flagd targeting. v1 rules use the variants of a v1 flag, `on` and `off`:
 * USER_LIST is exactly `targetingKey` in the list; PERCENTAGE needs v1's bucket, written with
 * `tm_v1_bucket`, since flagd cannot express it.
 */
export function targetingOf(rule: Rule): JsonObject {
  switch (rule.type) {
    case "JSONLOGIC":
      return rule.targeting;
    case "USER_LIST":
      return { if: [{ in: [{ var: "targetingKey" }, rule.values] }, "on", "off"] };
    case "PERCENTAGE":
      return { if: [{ "<": [{ [V1_BUCKET_OPERATOR]: [] }, rule.value] }, "on", "off"] };
  }
}

/**
 * The rule document of flagd targeting: the two shapes `targetingOf` writes for v1 rules
 * read back as those rules, so exporting and importing a v1 flag changes nothing; any other
 * targeting is a JSONLOGIC rule.
 */
export function ruleOf(targeting: JsonObject): Rule {
  return v1RuleOf(targeting) ?? { type: "JSONLOGIC", targeting };
}

/** The one-key operation `{operator: [args]}`'s arguments, when `value` is exactly that. */
function argumentsOf(value: unknown, operator: string): unknown[] | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  const args = value[operator];
  return keys.length === 1 && Array.isArray(args) ? args : undefined;
}

function v1RuleOf(targeting: JsonObject): V1Rule | undefined {
  const branches = argumentsOf(targeting, "if");
  if (branches?.length !== 3 || branches[1] !== "on" || branches[2] !== "off") return undefined;
  const condition = branches[0];
  const listed = argumentsOf(condition, "in");
  if (listed !== undefined) {
    const [subject, values] = listed;
    const isTargetingKey =
      isObject(subject) && Object.keys(subject).length === 1 && subject.var === "targetingKey";
    return listed.length === 2 &&
      isTargetingKey &&
      isUserIdList(values) &&
      values.length <= MAX_USER_LIST
      ? { type: "USER_LIST", values }
      : undefined;
  }
  const below = argumentsOf(condition, "<");
  if (below?.length !== 2) return undefined;
  const [bucket, value] = below;
  const bucketArgs = argumentsOf(bucket, V1_BUCKET_OPERATOR);
  return bucketArgs?.length === 0 && isPercentage(value)
    ? { type: "PERCENTAGE", value }
    : undefined;
}
