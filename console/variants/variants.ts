/**
 * A flag's variants as a person edits them: one row per variant, its value kept as typed
 * and converted to the flag's type on save. flagd wants every variant of a flag of one type.
 */
import type { Variants, VariantValue } from "../api.ts";
import { isJsonObject } from "../ui/json.ts";

export const VARIANT_TYPES = ["boolean", "string", "number", "object"] as const;
export type VariantType = (typeof VARIANT_TYPES)[number];

export const VARIANT_TYPE_LABELS: Record<VariantType, string> = {
  boolean: "Boolean",
  string: "String",
  number: "Number",
  object: "JSON object",
};

export interface VariantRow {
  name: string;
  value: string;
}

export interface VariantsDraft {
  type: VariantType;
  rows: VariantRow[];
  /** The row of the default variant; null for none (the application's default applies). */
  defaultRow: number | null;
}

/** What a v1 flag serves: `on` (true), the default, and `off` (false). */
export const V1_DRAFT: VariantsDraft = {
  type: "boolean",
  rows: [
    { name: "on", value: "true" },
    { name: "off", value: "false" },
  ],
  defaultRow: 0,
};

const variantTypeOf = (value: VariantValue): VariantType =>
  typeof value === "object" ? "object" : (typeof value as VariantType);

const formatVariant = (value: VariantValue): string =>
  typeof value === "object" ? JSON.stringify(value, null, 2) : String(value);

/** The rows that edit a flag's variants; a v1 flag's are on and off. */
export function draftOf(
  variants: Variants | null | undefined,
  defaultVariant: string | null | undefined,
): VariantsDraft {
  const entries = Object.entries(variants ?? {});
  const [first] = entries;
  if (first === undefined) return V1_DRAFT;
  const defaultRow = entries.findIndex(([name]) => name === defaultVariant);
  return {
    type: variantTypeOf(first[1]),
    rows: entries.map(([name, value]) => ({ name, value: formatVariant(value) })),
    defaultRow: defaultRow === -1 ? null : defaultRow,
  };
}

/** A start for a new flag's own variants: two of text, to name and fill in. */
export const newDraft = (): VariantsDraft => ({
  type: "string",
  rows: [
    { name: "", value: "" },
    { name: "", value: "" },
  ],
  defaultRow: 0,
});

/** The same rows under another type: names stay, booleans alternate true and false. */
export const retype = (draft: VariantsDraft, type: VariantType): VariantsDraft => ({
  ...draft,
  type,
  rows: draft.rows.map((row, index) => ({
    ...row,
    value: type === "boolean" ? String(index % 2 === 0) : row.value,
  })),
});

/** The draft without one row; the default stays on the variant it was on. */
export function withoutRow(draft: VariantsDraft, index: number): VariantsDraft {
  const { defaultRow } = draft;
  return {
    ...draft,
    rows: draft.rows.filter((_, at) => at !== index),
    defaultRow:
      defaultRow === null || defaultRow === index
        ? null
        : defaultRow > index
          ? defaultRow - 1
          : defaultRow,
  };
}

export type VariantsCheck =
  | { ok: true; variants: Variants; defaultVariant: string | null }
  | { ok: false; row?: number; field?: "name" | "value"; problem: string };

type Parsed = { ok: true; value: VariantValue } | { ok: false; problem: string };

function parseVariant(type: VariantType, text: string): Parsed {
  switch (type) {
    case "string":
      return { ok: true, value: text };
    case "boolean":
      return text === "true" || text === "false"
        ? { ok: true, value: text === "true" }
        : { ok: false, problem: "must be true or false" };
    case "number": {
      const number = Number(text);
      return text.trim() !== "" && Number.isFinite(number)
        ? { ok: true, value: number }
        : { ok: false, problem: `must be a number ("${text}" is not one)` };
    }
    case "object": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        return { ok: false, problem: `is not valid JSON (${(error as Error).message})` };
      }
      return isJsonObject(parsed)
        ? { ok: true, value: parsed }
        : { ok: false, problem: "must be a JSON object, in braces" };
    }
  }
}

/** The variants and default a draft stands for, or the first problem with the row it is on. */
export function variantsOf(draft: VariantsDraft): VariantsCheck {
  if (draft.rows.length === 0) return { ok: false, problem: "Add at least one variant." };
  const variants: Variants = {};
  for (const [row, { name, value }] of draft.rows.entries()) {
    const key = name.trim();
    if (key === "") return { ok: false, row, field: "name", problem: "Give this variant a name." };
    if (key in variants)
      return { ok: false, row, field: "name", problem: `"${key}" is given twice.` };
    const parsed = parseVariant(draft.type, value);
    if (!parsed.ok)
      return { ok: false, row, field: "value", problem: `The value of ${key} ${parsed.problem}.` };
    variants[key] = parsed.value;
  }
  const defaultName = draft.defaultRow === null ? undefined : draft.rows[draft.defaultRow]?.name;
  return { ok: true, variants, defaultVariant: defaultName?.trim() ?? null };
}

/** A v1 flag has no variants of its own: it serves `on` (true) and `off` (false). */
export const isV1 = (flag: { variants?: Variants | null }) =>
  flag.variants === undefined || flag.variants === null;

/** The names of the variants a flag serves. */
export const variantNames = (flag: { variants?: Variants | null }): string[] =>
  isV1(flag) ? ["on", "off"] : Object.keys(flag.variants ?? {});

/** Whether a flag answers true or false, as v1 flags and flags of boolean variants do. */
export const isBooleanFlag = (flag: { variants?: Variants | null }) =>
  Object.values(flag.variants ?? {}).every((value) => typeof value === "boolean");
