/**
 * Named values typed by hand, one row each: the attributes of an evaluation context, a
 * flag's metadata. Each row keeps its value as typed and is converted to its type when used.
 */
export const VALUE_TYPES = ["text", "number", "boolean"] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export interface TypedRow {
  name: string;
  type: ValueType;
  value: string;
}

export const emptyRow = (): TypedRow => ({ name: "", type: "text", value: "" });

export type TypedValues =
  | { ok: true; values: Record<string, string | number | boolean> }
  | { ok: false; row: number; problem: string };

/**
 * The rows as named values, each converted to the type chosen for it. Rows without a name
 * are ignored; a name given twice (or one of `reserved`) or a value that is not of its type
 * is reported with the row it is on.
 */
export function typedValues(
  rows: readonly TypedRow[],
  reserved: readonly string[] = [],
): TypedValues {
  const values: Record<string, string | number | boolean> = {};
  for (const [index, { name, type, value }] of rows.entries()) {
    const key = name.trim();
    if (key === "") continue;
    if (reserved.includes(key) || key in values)
      return { ok: false, row: index, problem: `"${key}" is given twice` };
    switch (type) {
      case "text":
        values[key] = value;
        break;
      case "number": {
        const number = Number(value);
        if (value.trim() === "" || !Number.isFinite(number))
          return { ok: false, row: index, problem: `"${value}" is not a number` };
        values[key] = number;
        break;
      }
      case "boolean":
        if (value !== "true" && value !== "false")
          return { ok: false, row: index, problem: "choose true or false" };
        values[key] = value === "true";
        break;
    }
  }
  return { ok: true, values };
}

/** Rows that edit existing values, each typed as its value is. */
export const rowsOf = (values: Record<string, string | number | boolean>): TypedRow[] =>
  Object.entries(values).map(([name, value]) => ({
    name,
    type: typeof value === "string" ? "text" : (typeof value as "number" | "boolean"),
    value: String(value),
  }));
