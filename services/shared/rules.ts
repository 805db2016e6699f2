/**
 * Targeting rule documents: the shapes targeting accepts and evaluation trusts. Pure, so
 * both services and any runtime share one definition.
 */
export type Rule = { type: "PERCENTAGE"; value: number } | { type: "USER_LIST"; values: string[] };

export const RULE_TYPES = ["PERCENTAGE", "USER_LIST"] as const;
export const MAX_USER_LIST = 10_000;
const MAX_USER_ID = 256;

export type RuleCheck = { ok: true; rule: Rule } | { ok: false; problem: string };

const fail = (problem: string): RuleCheck => ({ ok: false, problem });

/** Validates a rule document, naming the first problem found; keeps only known fields. */
export function checkRule(document: unknown): RuleCheck {
  if (typeof document !== "object" || document === null || Array.isArray(document))
    return fail("'rules' deve ser um objeto JSON com o campo 'type'");
  const { type, value, values } = document as Record<string, unknown>;
  switch (type) {
    case "PERCENTAGE":
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 100)
        return fail("'rules.value' deve ser um número entre 0 e 100 para regras PERCENTAGE");
      return { ok: true, rule: { type, value } };
    case "USER_LIST":
      if (
        !Array.isArray(values) ||
        values.some((id) => typeof id !== "string" || id.length > MAX_USER_ID)
      )
        return fail(
          `'rules.values' deve ser uma lista de textos (até ${MAX_USER_ID} caracteres cada) para regras USER_LIST`,
        );
      if (values.length > MAX_USER_LIST)
        return fail(`'rules.values' aceita no máximo ${MAX_USER_LIST} usuários`);
      return { ok: true, rule: { type, values: values as string[] } };
    default:
      return fail(
        type === undefined
          ? "'rules.type' é obrigatório (PERCENTAGE ou USER_LIST)"
          : `Tipo de regra desconhecido: ${JSON.stringify(type)} (use PERCENTAGE ou USER_LIST)`,
      );
  }
}
