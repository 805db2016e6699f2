/** Plain JSON values as both data services compare and bound them. Pure. */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Whether two JSON values are equal, object keys in any order: PostgreSQL's jsonb keeps
 * its own key order, so a value read back is compared with what was sent this way.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]))
  );
}

/**
 * Deepest nesting of arrays and objects kept in a stored JSON value (targeting, variants):
 * far beyond any real rule, and shallow enough that storing and compiling one never
 * exhausts a stack.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * The path (object keys and array indexes) to the first array or object nested deeper than
 * `limit` levels in `value`, or undefined when it nests no deeper. It looks no further than
 * `limit + 1` levels, so it can guard code that recurses over a hostile value.
 */
export function pathBeyond(value: unknown, limit: number): string[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (limit <= 0) return [];
  for (const [key, item] of Object.entries(value)) {
    const path = pathBeyond(item, limit - 1);
    if (path !== undefined) return [key, ...path];
  }
  return undefined;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A NUL character, or a surrogate that is not half of a pair. */
const isUnstorable = (text: string) => text.includes("\u0000") || LONE_SURROGATE.test(text);

/**
 * The path to the first string (value or key) PostgreSQL cannot store although JSON carries
 * it: one with a NUL character or a lone surrogate. Undefined when there is none.
 */
export function pathToUnstorableText(value: unknown): string[] | undefined {
  if (typeof value === "string") return isUnstorable(value) ? [] : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (isUnstorable(key)) return [key];
    const path = pathToUnstorableText(item);
    if (path !== undefined) return [key, ...path];
  }
  return undefined;
}
