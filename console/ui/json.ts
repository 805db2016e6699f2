import type { JsonObject } from "../api.ts";
import { FieldError } from "../errors.ts";

/**
 * JSON typed into `field`; what does not parse is a FieldError that says where, so it stands
 * beside the text area. What the JSON must be is left to the API, whose messages say it.
 */
export function parseJson(text: string, field: string, what: string): unknown {
  if (text.trim() === "") throw new FieldError(field, `Write ${what} as JSON.`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FieldError(
      field,
      `${what[0]?.toUpperCase()}${what.slice(1)} is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** JSON as it is edited: indented, one field a line. */
export const formatJson = (value: unknown) => JSON.stringify(value, null, 2);

/** An object in braces: not null, not an array. */
export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);
