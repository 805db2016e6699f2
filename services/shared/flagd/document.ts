/**
 * flagd flag-definition documents (https://flagd.dev/schema/v0/flags.json): their types and
 * their validation. A document is checked the way the schema checks it, plus the one rule
 * flagd itself enforces on load (a default variant must name a variant), and the first
 * problem is reported with the flag and the JSON pointer it sits at. Targeting is only
 * required to be a JSON object: as in flagd, a rule that fails only when it is evaluated
 * (an unknown operator, an unresolved `$ref`) is stored and evaluates to PARSE_ERROR.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = { [key: string]: JsonValue };

/** The value a variant serves; all variants of one flag are of the same kind. */
export type VariantValue = boolean | string | number | JsonObject;
export type VariantKind = "boolean" | "string" | "number" | "object";

/** Flag and flag-set metadata: primitive values only. */
export type Metadata = Readonly<Record<string, string | number | boolean>>;

export type FlagState = "ENABLED" | "DISABLED";

export interface FlagDefinition {
  readonly state: FlagState;
  readonly variants: Readonly<Record<string, VariantValue>>;
  /** null when the flag has none (absent, null or ""): the caller's default is then served. */
  readonly defaultVariant: string | null;
  /** Absent when the flag has no targeting; `{}` is kept as given (it also means none). */
  readonly targeting?: JsonObject;
  readonly metadata: Metadata;
}

export interface FlagdDocument {
  readonly flags: Readonly<Record<string, FlagDefinition>>;
  readonly $evaluators: Readonly<Record<string, JsonObject>>;
  readonly metadata: Metadata;
}

export interface DocumentProblem {
  /** The flag the problem is in, when it is in one. */
  readonly flag?: string;
  /** RFC 6901 pointer to the offending value (or to where a required one is missing). */
  readonly pointer: string;
  readonly message: string;
}

export type DocumentCheck =
  | { readonly ok: true; readonly document: FlagdDocument }
  | { readonly ok: false; readonly problem: DocumentProblem };

/** The schema bounds number variants to the integers every SDK language holds exactly. */
const MAX_NUMBER_VARIANT = Number.MAX_SAFE_INTEGER;

/** The schema's `^.{1,}$` for flag keys, variant names and evaluator names. */
const NAME = /^.+$/u;

/** Thrown inside the checker to stop at the first problem. */
class Problem extends Error {
  constructor(
    readonly pointer: string,
    message: string,
    readonly flag?: string,
  ) {
    super(message);
  }
}

/** A JSON pointer (RFC 6901) made of the given reference tokens. */
export const pointerTo = (...tokens: readonly string[]): string =>
  tokens.map((token) => `/${token.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The kind of a variant value, or undefined when it is not a value a variant may hold. */
export function variantKind(value: unknown): VariantKind | undefined {
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    case "number":
      return "number";
    default:
      return isJsonObject(value) ? "object" : undefined;
  }
}

/**
 * Checks a parsed flagd document; on success returns it typed and normalised. Flags are
 * checked in order, then `$evaluators`, then the flag set's metadata: the first problem found
 * is the one reported.
 */
export function checkDocument(input: unknown): DocumentCheck {
  try {
    return { ok: true, document: readDocument(input) };
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    const problem: DocumentProblem =
      error.flag === undefined
        ? { pointer: error.pointer, message: error.message }
        : { flag: error.flag, pointer: error.pointer, message: error.message };
    return { ok: false, problem };
  }
}

function readDocument(input: unknown): FlagdDocument {
  if (!isJsonObject(input)) throw new Problem("", "the document must be a JSON object");
  if (input.flags === undefined) throw new Problem("/flags", "is required");
  if (!isJsonObject(input.flags))
    throw new Problem("/flags", "must be an object of flag keys to flags");
  const flags = Object.entries(input.flags).map(
    ([key, flag]) => [key, readFlag(key, flag)] as const,
  );
  const evaluators = readEvaluators(input.$evaluators);
  const metadata = readMetadata(input.metadata, ["metadata"]);
  for (const field of ["flagSetId", "version"]) {
    if (metadata[field] !== undefined && typeof metadata[field] !== "string")
      throw new Problem(pointerTo("metadata", field), "must be a string");
  }
  return { flags: Object.fromEntries(flags), $evaluators: evaluators, metadata };
}

function readFlag(key: string, flag: unknown): FlagDefinition {
  const at = (...tokens: string[]) => pointerTo("flags", key, ...tokens);
  const fail = (pointer: string, message: string) => new Problem(pointer, message, key);
  if (!NAME.test(key)) throw fail(at(), "a flag key must be a non-empty single-line string");
  if (!isJsonObject(flag)) throw fail(at(), "a flag must be an object");

  const { state, variants, defaultVariant, targeting, metadata } = flag;
  if (state === undefined) throw fail(at("state"), "is required");
  if (state !== "ENABLED" && state !== "DISABLED")
    throw fail(at("state"), 'must be "ENABLED" or "DISABLED"');

  if (variants === undefined) throw fail(at("variants"), "is required");
  if (!isJsonObject(variants))
    throw fail(at("variants"), "must be an object of variant names to values");
  const names = Object.keys(variants);
  if (names.length === 0) throw fail(at("variants"), "must define at least one variant");
  let kind: VariantKind | undefined;
  for (const name of names) {
    const value = variants[name];
    if (!NAME.test(name))
      throw fail(at("variants", name), "a variant name must be a non-empty single-line string");
    const own = variantKind(value);
    if (own === undefined || !isJson(value))
      throw fail(at("variants", name), "must be a boolean, a string, a number or an object");
    if (own === "number" && !(Math.abs(value as number) <= MAX_NUMBER_VARIANT))
      throw fail(at("variants", name), `must be a number between ±${MAX_NUMBER_VARIANT}`);
    kind ??= own;
    if (own !== kind)
      throw fail(
        at("variants", name),
        `must be a ${kind}, like the flag's other variants (variants of a flag share one type)`,
      );
  }

  if (defaultVariant !== undefined && defaultVariant !== null) {
    if (typeof defaultVariant !== "string")
      throw fail(at("defaultVariant"), "must be a string or null");
    // "" is no default at all for flagd's evaluators, as null is.
    if (defaultVariant !== "" && !Object.hasOwn(variants, defaultVariant))
      throw fail(at("defaultVariant"), `names no variant of the flag: "${defaultVariant}"`);
  }

  if (targeting !== undefined && !(isJsonObject(targeting) && isJson(targeting)))
    throw fail(at("targeting"), "must be a JsonLogic object");

  return {
    state,
    variants: variants as Record<string, VariantValue>,
    defaultVariant: defaultVariant || null,
    ...(targeting === undefined ? {} : { targeting: targeting as JsonObject }),
    metadata: readMetadata(metadata, ["flags", key, "metadata"], key),
  };
}

function readEvaluators(evaluators: unknown): Readonly<Record<string, JsonObject>> {
  if (evaluators === undefined) return {};
  if (!isJsonObject(evaluators))
    throw new Problem("/$evaluators", "must be an object of evaluator names to rules");
  for (const [name, rule] of Object.entries(evaluators)) {
    if (!NAME.test(name))
      throw new Problem(
        pointerTo("$evaluators", name),
        "an evaluator name must be a non-empty single-line string",
      );
    if (!(isJsonObject(rule) && isJson(rule)))
      throw new Problem(pointerTo("$evaluators", name), "must be a JsonLogic object");
  }
  return evaluators as Record<string, JsonObject>;
}

function readMetadata(metadata: unknown, tokens: string[], flag?: string): Metadata {
  if (metadata === undefined) return {};
  if (!isJsonObject(metadata)) throw new Problem(pointerTo(...tokens), "must be an object", flag);
  for (const [name, value] of Object.entries(metadata)) {
    const primitive =
      typeof value === "string" ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value));
    if (!primitive)
      throw new Problem(
        pointerTo(...tokens, name),
        "must be a string, a number or a boolean",
        flag,
      );
  }
  return metadata as Metadata;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** True for what JSON.parse can produce: guards typed fields against other JavaScript values. */
function isJson(value: unknown): value is JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isJson);
      return isPlainObject(value) && Object.values(value).every(isJson);
    default:
      return false;
  }
}
