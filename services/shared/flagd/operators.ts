/**
 * flagd's custom JsonLogic operations over already-evaluated arguments, with flagd's
 * semantics (https://flagd.dev/reference/custom-operations/): an operation that cannot apply
 * to its input answers null, never false, so the flag falls back to its default variant
 * rather than to a variant named "false".
 */

/** `starts_with`: both arguments must be strings. */
export const startsWith = (value: unknown, prefix: unknown): boolean | null =>
  typeof value === "string" && typeof prefix === "string" ? value.startsWith(prefix) : null;

/** `ends_with`: both arguments must be strings. */
export const endsWith = (value: unknown, suffix: unknown): boolean | null =>
  typeof value === "string" && typeof suffix === "string" ? value.endsWith(suffix) : null;

// ---------------------------------------------------------------------------------------
// sem_ver

/** A semantic version; build metadata is dropped, since precedence ignores it. */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Pre-release identifiers, numeric ones as numbers; empty for a release. */
  readonly prerelease: readonly (string | number)[];
}

const NO_PRERELEASE: readonly (string | number)[] = Object.freeze([]);
const DIGIT_0 = 48;
const DIGIT_9 = 57;

const isDigit = (code: number) => code >= DIGIT_0 && code <= DIGIT_9;
const isIdentifierCode = (code: number) =>
  isDigit(code) ||
  (code >= 65 && code <= 90) || // A-Z
  (code >= 97 && code <= 122) || // a-z
  code === 45; // -

/**
 * A version as flagd's sem_ver reads one: a string (or a number, read as its decimal text),
 * an optional leading "v" or "V", then either a full SemVer 2.0.0 version or a partial
 * "MAJOR" / "MAJOR.MINOR" that stands for the missing parts as zeros. Anything else is null.
 * Hand-written rather than a regular expression: the actual version is parsed on every
 * evaluation.
 */
export function parseVersion(raw: unknown): Version | null {
  let text: string;
  if (typeof raw === "string") text = raw;
  else if (typeof raw === "number" && Number.isFinite(raw)) text = String(raw);
  else return null;
  const first = text.charCodeAt(0);
  let at = first === 118 || first === 86 ? 1 : 0; // v, V
  const parts = [0, 0, 0];
  let strict = true; // no leading zeros, as a full version requires
  let count = 0;
  while (count < 3) {
    const start = at;
    let value = 0;
    for (let code = text.charCodeAt(at); isDigit(code); code = text.charCodeAt(++at))
      value = value * 10 + (code - DIGIT_0);
    if (at === start || value > Number.MAX_SAFE_INTEGER) return null;
    if (at - start > 1 && text.charCodeAt(start) === DIGIT_0) strict = false;
    parts[count++] = value;
    if (at === text.length) break;
    if (count === 3 || text.charCodeAt(at) !== 46) break; // .
    at++;
  }
  const [major = 0, minor = 0, patch = 0] = parts;
  if (count < 3) {
    // A partial version ("1", "1.2") is digits and dots only.
    return at === text.length ? { major, minor, patch: 0, prerelease: NO_PRERELEASE } : null;
  }
  if (!strict) return null;
  let prerelease = NO_PRERELEASE;
  if (text.charCodeAt(at) === 45) {
    // -
    const identifiers: (string | number)[] = [];
    at = readIdentifiers(text, at + 1, identifiers, true);
    if (at < 0) return null;
    prerelease = identifiers;
  }
  if (text.charCodeAt(at) === 43) at = readIdentifiers(text, at + 1, undefined, false); // +
  return at === text.length ? { major, minor, patch, prerelease } : null;
}

/**
 * Reads dot-separated identifiers from `at` up to "+" or the end; returns where it stopped,
 * or -1 when an identifier is empty or malformed.
 */
function readIdentifiers(
  text: string,
  at: number,
  into: (string | number)[] | undefined,
  numericRules: boolean,
): number {
  for (;;) {
    const start = at;
    let numeric = true;
    while (at < text.length && isIdentifierCode(text.charCodeAt(at))) {
      if (!isDigit(text.charCodeAt(at))) numeric = false;
      at++;
    }
    if (at === start) return -1;
    const identifier = text.slice(start, at);
    if (numeric && numericRules && identifier.length > 1 && identifier.charCodeAt(0) === DIGIT_0)
      return -1;
    const number = numeric ? Number(identifier) : Number.NaN;
    into?.push(numeric && number <= Number.MAX_SAFE_INTEGER ? number : identifier);
    if (at === text.length) return at;
    const next = text.charCodeAt(at);
    if (next === 46)
      at++; // .
    else return next === 43 && numericRules ? at : -1; // + ends a pre-release
  }
}

/** SemVer 2.0.0 precedence: negative, zero or positive as `left` is lower, equal or higher. */
export function compareVersions(left: Version, right: Version): number {
  if (left.major !== right.major) return left.major < right.major ? -1 : 1;
  if (left.minor !== right.minor) return left.minor < right.minor ? -1 : 1;
  if (left.patch !== right.patch) return left.patch < right.patch ? -1 : 1;
  const a = left.prerelease;
  const b = right.prerelease;
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let index = 0; index < a.length && index < b.length; index++) {
    const x = a[index] as string | number;
    const y = b[index] as string | number;
    if (x === y) continue;
    if (typeof x !== typeof y) return typeof x === "number" ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

export type VersionTest = (actual: Version, target: Version) => boolean;

const VERSION_TESTS: ReadonlyMap<unknown, VersionTest> = new Map<unknown, VersionTest>([
  ["=", (a, b) => compareVersions(a, b) === 0],
  ["!=", (a, b) => compareVersions(a, b) !== 0],
  ["<", (a, b) => compareVersions(a, b) < 0],
  ["<=", (a, b) => compareVersions(a, b) <= 0],
  [">", (a, b) => compareVersions(a, b) > 0],
  [">=", (a, b) => compareVersions(a, b) >= 0],
  ["^", (a, b) => a.major === b.major],
  ["~", (a, b) => a.major === b.major && a.minor === b.minor],
]);

/** The comparison a sem_ver operator names, or undefined for an unknown operator. */
export const versionTest = (operator: unknown): VersionTest | undefined =>
  VERSION_TESTS.get(operator);

/** `sem_ver`: null when either version is invalid or the operator unknown. */
export function semVer(actual: unknown, operator: unknown, target: unknown): boolean | null {
  const test = versionTest(operator);
  const left = parseVersion(actual);
  const right = parseVersion(target);
  return test === undefined || left === null || right === null ? null : test(left, right);
}

// ---------------------------------------------------------------------------------------
// fractional

/** flagd bounds the sum of a fractional's weights to a signed 32-bit integer. */
export const MAX_TOTAL_WEIGHT = 2_147_483_647;

/** A bucket's name may be any JSON scalar: fractional can also choose booleans or numbers. */
export const isBucketName = (value: unknown): boolean =>
  value === null ||
  typeof value === "string" ||
  typeof value === "boolean" ||
  typeof value === "number";

/**
 * A bucket's weight as flagd reads it: absent or null weighs 1, a negative weight counts as 0
 * (rollout arithmetic can produce one); undefined when the weight is not an integer or
 * exceeds the maximum, which voids the whole operation.
 */
export function bucketWeight(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return 1;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw > MAX_TOTAL_WEIGHT) return undefined;
  return raw < 0 ? 0 : raw;
}

/**
 * The point of [0, totalWeight) a 32-bit hash maps to: ⌊hash × totalWeight / 2³²⌋, computed
 * exactly (the product needs 63 bits, more than a double holds) by splitting the hash.
 */
export function bucketPoint(hash: number, totalWeight: number): number {
  const high = Math.floor(hash / 65536) * totalWeight; // < 2^47: exact
  const low = (hash % 65536) * totalWeight; // < 2^47: exact
  const carried = Math.floor(high / 65536);
  return carried + Math.floor(((high - carried * 65536) * 65536 + low) / 4294967296);
}

/**
 * Index of the bucket a hash falls in, walking the weights in order; -1 when the weights
 * cannot be used (all zero, or summing past the maximum).
 */
export function chooseBucket(hash: number, weights: ArrayLike<number>, count: number): number {
  let total = 0;
  for (let index = 0; index < count; index++) total += weights[index] as number;
  if (total === 0 || total > MAX_TOTAL_WEIGHT) return -1;
  const point = bucketPoint(hash, total);
  let end = 0;
  for (let index = 0; index < count; index++) {
    end += weights[index] as number;
    if (point < end) return index;
  }
  return -1;
}
