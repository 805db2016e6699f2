import type { EvaluationContext } from "../api.ts";
import { type TypedRow, typedValues } from "../ui/typed-rows.ts";

export type ContextCheck =
  | { ok: true; context: EvaluationContext }
  | { ok: false; row: number; problem: string };

/**
 * The OFREP context a person typed: the targeting key and one attribute per filled row,
 * each converted to the type chosen for it. An attribute may not shadow the targeting key.
 */
export function buildContext(targetingKey: string, rows: readonly TypedRow[]): ContextCheck {
  const attributes = typedValues(rows, ["targetingKey"]);
  if (!attributes.ok) return attributes;
  const key = targetingKey.trim();
  return { ok: true, context: { ...(key !== "" && { targetingKey: key }), ...attributes.values } };
}
