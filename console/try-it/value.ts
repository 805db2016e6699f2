import type { Evaluation } from "../api.ts";

export type ValueKind = "boolean" | "string" | "number" | "object";

/**
 * An evaluated value as a person reads it, with its type: text as it is (the type says it
 * is a string), objects as indented JSON. Undefined when the answer carries no value.
 */
export function describeValue({
  value,
}: Evaluation): { text: string; type: ValueKind } | undefined {
  switch (typeof value) {
    case "undefined":
      return undefined;
    case "string":
      return { text: value, type: "string" };
    case "number":
    case "boolean":
      return { text: String(value), type: typeof value as ValueKind };
    default:
      return { text: JSON.stringify(value, null, 2), type: "object" };
  }
}
