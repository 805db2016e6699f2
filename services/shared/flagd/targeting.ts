/**
 * flagd targeting: JsonLogic (the operations of json-logic-js, jsonlogic.com) plus flagd's
 * `fractional`, `sem_ver`, `starts_with` and `ends_with`, and `$ref` to shared evaluators.
 *
 * A rule is compiled once into a tree of closures, so evaluating it is a few direct calls:
 * no operator lookup, no walk over the JSON. Operators, `$ref`s and their arity are resolved
 * while compiling; a rule naming an unknown operator or evaluator does not compile, which the
 * caller reports as PARSE_ERROR (flagd rejects such rules on every evaluation, not only on the
 * branch that reaches them).
 *
 * Semantics follow json-logic-js, with two deliberate differences that keep contexts plain
 * JSON: `var` reads only own properties of objects and arrays (not string characters nor
 * prototype members), and `in` looks only into arrays and strings.
 */
import { isJsonObject } from "./document.ts";
import { murmur3 } from "./murmur3.ts";
import {
  bucketWeight,
  chooseBucket,
  endsWith,
  isBucketName,
  parseVersion,
  semVer,
  startsWith,
  type Version,
  type VersionTest,
  versionTest,
} from "./operators.ts";

/** An evaluation context: what the caller knows about the subject (OFREP's `context`). */
export type Context = Readonly<Record<string, unknown>>;

export interface TargetingOptions {
  /** The flag being evaluated: `$flagd.flagKey`, and the default fractional seed's prefix. */
  readonly flagKey: string;
  /** The document's `$evaluators`, which `{"$ref": name}` stands for. */
  readonly evaluators?: Readonly<Record<string, unknown>>;
  /** Milliseconds since the epoch; `$flagd.timestamp` is its whole seconds. */
  readonly clock?: () => number;
  /**
   * Operations of the host beyond flagd's, each a value computed from the context alone
   * (`{"name": []}`); a real flagd knows none of them and answers PARSE_ERROR.
   */
  readonly operations?: Readonly<Record<string, HostOperation>>;
}

/** A host operation: a value of the context (and the flag being evaluated). */
export type HostOperation = (context: Context, flagKey: string) => unknown;

export type CompiledTargeting =
  | { readonly ok: true; readonly evaluate: (context: Context) => unknown }
  | { readonly ok: false; readonly problem: string };

/**
 * A compiled expression. `data` is what `var` reads: the context at the top of the rule, the
 * current element inside the logic of map, filter, reduce, all, none and some.
 */
type Node = (data: unknown, context: Context) => unknown;

interface Scope {
  readonly flagKey: string;
  readonly evaluators: Readonly<Record<string, unknown>>;
  readonly clock: () => number;
  /** Inside per-element logic, where `var` reads the element, not the context. */
  readonly nested: boolean;
  /** The `$ref`s being expanded, outermost first: a cycle does not compile. */
  readonly refs: readonly string[];
  /** JSON pointer of the expression within the rule, for problem messages. */
  readonly at: string;
  readonly operations: Readonly<Record<string, HostOperation>>;
  /** The top-level data once built in the current evaluation: one `$flagd` object per call. */
  readonly top: { data?: TopData };
}

type TopData = Context & {
  readonly $flagd: { readonly flagKey: string; readonly timestamp: number };
};

type OperatorCompiler = (args: readonly unknown[], scope: Scope) => Node;

class CompileError extends Error {}

/** Compiles a targeting rule; `{}` (no targeting) is the caller's to recognise. */
export function compileTargeting(rule: unknown, options: TargetingOptions): CompiledTargeting {
  const scope: Scope = {
    flagKey: options.flagKey,
    evaluators: options.evaluators ?? {},
    clock: options.clock ?? Date.now,
    nested: false,
    refs: [],
    at: "",
    top: {},
    operations: options.operations ?? {},
  };
  try {
    const root = compile(rule, scope);
    return {
      ok: true,
      evaluate: (context) => {
        scope.top.data = undefined;
        return root(context, context);
      },
    };
  } catch (error) {
    if (error instanceof CompileError) return { ok: false, problem: error.message };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// Compilation

/** Nodes whose value is known while compiling, with that value. */
const constants = new WeakMap<Node, unknown>();

function constant(value: unknown): Node {
  const node: Node = () => value;
  constants.set(node, value);
  return node;
}

const isConstant = (node: Node) => constants.has(node);
const UNDEFINED = constant(undefined);
const NULL = constant(null);

function compile(rule: unknown, scope: Scope): Node {
  if (Array.isArray(rule)) return compileArray(rule, scope);
  if (!isJsonObject(rule)) return constant(rule);
  const keys = Object.keys(rule);
  // Only an object with exactly one key is an operation; any other object is data.
  if (keys.length !== 1) return constant(rule);
  const operator = keys[0] as string;
  const value = rule[operator];
  const at = `${scope.at}/${escapeToken(operator)}`;
  if (operator === "$ref") return compileRef(value, { ...scope, at });
  const compileOperator = OPERATORS.get(operator);
  if (compileOperator === undefined) {
    const host = Object.hasOwn(scope.operations, operator) ? scope.operations[operator] : undefined;
    if (host === undefined) throw new CompileError(`unknown operator "${operator}" at ${at}`);
    const { flagKey } = scope;
    return (_, context) => host(context, flagKey);
  }
  return compileOperator(Array.isArray(value) ? value : [value], { ...scope, at });
}

function compileArray(items: readonly unknown[], scope: Scope): Node {
  const nodes = items.map((item, index) => compile(item, { ...scope, at: `${scope.at}/${index}` }));
  if (nodes.every(isConstant)) return constant(nodes.map((node) => constants.get(node)));
  return (data, context) => {
    const values = new Array<unknown>(nodes.length);
    for (let index = 0; index < nodes.length; index++)
      values[index] = (nodes[index] as Node)(data, context);
    return values;
  };
}

function compileRef(name: unknown, scope: Scope): Node {
  if (typeof name !== "string" || !Object.hasOwn(scope.evaluators, name))
    throw new CompileError(`unresolved $ref ${JSON.stringify(name)} at ${scope.at}`);
  if (scope.refs.includes(name))
    throw new CompileError(`$ref cycle ${[...scope.refs, name].join(" → ")} at ${scope.at}`);
  return compile(scope.evaluators[name], {
    ...scope,
    refs: [...scope.refs, name],
    at: `/$evaluators/${escapeToken(name)}`,
  });
}

const escapeToken = (token: string) => token.replaceAll("~", "~0").replaceAll("/", "~1");

/** Compiles every argument: an unknown operator anywhere voids the rule, even unreached. */
const compileArgs = (args: readonly unknown[], scope: Scope): Node[] =>
  args.map((arg, index) => compile(arg, { ...scope, at: `${scope.at}/${index}` }));

/** The first `count` arguments, absent ones reading as undefined, as json-logic-js passes them. */
function fixedArgs(args: readonly unknown[], scope: Scope, count: number): Node[] {
  const nodes = compileArgs(args, scope);
  while (nodes.length < count) nodes.push(UNDEFINED);
  return nodes;
}

const truthy = (value: unknown): boolean =>
  Array.isArray(value) ? value.length > 0 : Boolean(value);

// ---------------------------------------------------------------------------------------
// Data access

/** Where `var` looks: `undefined` when a step is missing (null is a value, and is returned). */
function lookup(data: unknown, segments: readonly string[]): unknown {
  for (const segment of segments) {
    if (typeof data !== "object" || data === null || !Object.hasOwn(data, segment))
      return undefined;
    data = (data as Record<string, unknown>)[segment];
  }
  return data;
}

/**
 * The data at the top of a rule: the context with flagd's `$flagd` properties over it. Built
 * only when a rule reads it whole, once per evaluation, so repeated reads see the same object
 * (as `==` between them expects).
 */
function topData(context: Context, scope: Scope): TopData {
  scope.top.data ??= {
    ...context,
    $flagd: { flagKey: scope.flagKey, timestamp: Math.floor(scope.clock() / 1000) },
  };
  return scope.top.data;
}

/** Where a top-level path starts: flagd's properties shadow a context's own `$flagd`. */
const topOf = (first: string | undefined, context: Context, scope: Scope, data: unknown) =>
  first === "$flagd" ? topData(context, scope) : data;

/** `var` without its default: the value at `path`, or undefined. */
function find(path: unknown, data: unknown, context: Context, scope: Scope): unknown {
  if (path === undefined || path === null || path === "")
    return scope.nested ? data : topData(context, scope);
  const segments = String(path).split(".");
  return lookup(scope.nested ? data : topOf(segments[0], context, scope, data), segments);
}

function compileVar(args: readonly unknown[], scope: Scope): Node {
  const [path, fallback] = fixedArgs(args, scope, 2) as [Node, Node];
  const orDefault = (found: unknown, data: unknown, context: Context) => {
    if (found !== undefined) return found;
    const value = fallback(data, context);
    return value === undefined ? null : value;
  };
  if (!isConstant(path))
    return (data, context) =>
      orDefault(find(path(data, context), data, context, scope), data, context);

  const name = constants.get(path);
  if (name === undefined || name === null || name === "")
    return scope.nested ? (data) => data : (_, context) => topData(context, scope);
  const segments = String(name).split(".");
  if (!scope.nested && segments[0] === "$flagd") {
    if (segments.length === 2 && segments[1] === "flagKey") return () => scope.flagKey;
    if (segments.length === 2 && segments[1] === "timestamp")
      return () => Math.floor(scope.clock() / 1000);
    return (data, context) => orDefault(lookup(topData(context, scope), segments), data, context);
  }
  if (segments.length === 1) {
    const key = segments[0] as string;
    return (data, context) => {
      const found =
        typeof data === "object" && data !== null && Object.hasOwn(data, key)
          ? (data as Record<string, unknown>)[key]
          : undefined;
      return orDefault(found, data, context);
    };
  }
  return (data, context) => orDefault(lookup(data, segments), data, context);
}

/** The keys among `keys` whose value is missing, null or "". */
function missingKeys(keys: readonly unknown[], data: unknown, context: Context, scope: Scope) {
  const missing: unknown[] = [];
  for (const key of keys) {
    const value = find(key, data, context, scope);
    if (value === undefined || value === null || value === "") missing.push(key);
  }
  return missing;
}

function compileMissing(args: readonly unknown[], scope: Scope): Node {
  const nodes = compileArgs(args, scope);
  return (data, context) => {
    const values = nodes.map((node) => node(data, context));
    // One array argument is the list of keys (typically another operation's result).
    const keys = Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
    return missingKeys(keys, data, context, scope);
  };
}

function compileMissingSome(args: readonly unknown[], scope: Scope): Node {
  const [need, options] = fixedArgs(args, scope, 2) as [Node, Node];
  return (data, context) => {
    const wanted = need(data, context) as number;
    const keys = options(data, context);
    const list = Array.isArray(keys) ? keys : [keys];
    const missing = missingKeys(list, data, context, scope);
    const offered = Array.isArray(keys) || typeof keys === "string" ? keys.length : Number.NaN;
    return offered - missing.length >= wanted ? [] : missing;
  };
}

// ---------------------------------------------------------------------------------------
// Logic and comparison

function compileIf(args: readonly unknown[], scope: Scope): Node {
  const nodes = compileArgs(args, scope);
  return (data, context) => {
    let index = 0;
    for (; index < nodes.length - 1; index += 2) {
      if (truthy((nodes[index] as Node)(data, context)))
        return (nodes[index + 1] as Node)(data, context);
    }
    return index === nodes.length - 1 ? (nodes[index] as Node)(data, context) : null;
  };
}

/** `and` (stop at the first falsy value) and `or` (stop at the first truthy one). */
function compileJunction(stopWhen: boolean): OperatorCompiler {
  return (args, scope) => {
    const nodes = compileArgs(args, scope);
    return (data, context) => {
      let current: unknown;
      for (const node of nodes) {
        current = node(data, context);
        if (truthy(current) === stopWhen) return current;
      }
      return current;
    };
  };
}

type Binary = (left: unknown, right: unknown) => unknown;

/** Two-operand operations; the two closures keep the hot comparisons free of indirection. */
function binary(operation: Binary): OperatorCompiler {
  return (args, scope) => {
    const [left, right] = fixedArgs(args, scope, 2) as [Node, Node];
    return (data, context) => operation(left(data, context), right(data, context));
  };
}

/** `<` and `<=`, which with three operands test that the middle one lies between the others. */
function between(test: (a: number, b: number) => boolean): OperatorCompiler {
  return (args, scope) => {
    const [a, b, c] = fixedArgs(args, scope, 3) as [Node, Node, Node];
    if (args.length < 3)
      return (data, context) => test(a(data, context) as number, b(data, context) as number);
    return (data, context) => {
      const first = a(data, context) as number;
      const middle = b(data, context) as number;
      const last = c(data, context);
      return last === undefined
        ? test(first, middle)
        : test(first, middle) && test(middle, last as number);
    };
  };
}

function unary(operation: (value: unknown) => unknown): OperatorCompiler {
  return (args, scope) => {
    const [value] = fixedArgs(args, scope, 1) as [Node];
    return (data, context) => operation(value(data, context));
  };
}

/** Operations over all their arguments' values. */
function variadic(operation: (values: unknown[]) => unknown): OperatorCompiler {
  return (args, scope) => {
    const nodes = compileArgs(args, scope);
    return (data, context) => operation(nodes.map((node) => node(data, context)));
  };
}

/** A constant array of more than this many items is looked up in a Set by `in`. */
const IN_SET_THRESHOLD = 8;

function compileIn(args: readonly unknown[], scope: Scope): Node {
  const [needle, haystack] = fixedArgs(args, scope, 2) as [Node, Node];
  const list = constants.get(haystack);
  if (Array.isArray(list) && list.length > IN_SET_THRESHOLD) {
    // Same answers as indexOf: JSON has no NaN, the one value Set and indexOf disagree on.
    const members = new Set<unknown>(list);
    return (data, context) => members.has(needle(data, context));
  }
  return (data, context) => {
    const value = needle(data, context);
    const within = haystack(data, context);
    if (Array.isArray(within)) return within.indexOf(value) !== -1;
    // json-logic-js skips a falsy haystack, so nothing is "in" an empty string.
    return typeof within === "string" && within !== "" && within.indexOf(value as string) !== -1;
  };
}

function compileCat(args: readonly unknown[], scope: Scope): Node {
  const nodes = compileArgs(args, scope);
  return (data, context) => {
    let text = "";
    for (const node of nodes) {
      const value = node(data, context);
      if (value !== undefined && value !== null) text += String(value);
    }
    return text;
  };
}

function substr(source: unknown, start: unknown, length: unknown): string {
  const text = String(source);
  // A negative length drops that many characters from the end, as PHP's substr does.
  if ((length as number) < 0) {
    const tail = text.substr(start as number);
    return tail.substr(0, tail.length + (length as number));
  }
  return text.substr(start as number, length as number);
}

const sum = (values: unknown[]) =>
  values.reduce<number>((total, value) => total + Number.parseFloat(value as string), 0);

function product(values: unknown[]): unknown {
  if (values.length === 0) throw new Error("'*' needs at least one operand");
  // json-logic-js returns a lone operand as it is, unparsed.
  if (values.length === 1) return values[0];
  // The running product is parsed again at each step, as json-logic-js does: that turns a
  // -0 into 0 (parseFloat reads it as the string "0").
  return values.reduce(
    (total, value) => Number.parseFloat(total as string) * Number.parseFloat(value as string),
  );
}

const merge = (values: unknown[]) =>
  values.reduce<unknown[]>((all, value) => all.concat(value), []);

// ---------------------------------------------------------------------------------------
// Per-element operations: their second argument runs with each element as its data.

function scoped(args: readonly unknown[], scope: Scope): [items: Node, logic: Node, initial: Node] {
  const nodes = args.map((arg, index) =>
    compile(arg, { ...scope, nested: scope.nested || index === 1, at: `${scope.at}/${index}` }),
  );
  return [nodes[0] ?? UNDEFINED, nodes[1] ?? UNDEFINED, nodes[2] ?? UNDEFINED];
}

function compileMap(args: readonly unknown[], scope: Scope): Node {
  const [items, logic] = scoped(args, scope);
  return (data, context) => {
    const list = items(data, context);
    return Array.isArray(list) ? list.map((item) => logic(item, context)) : [];
  };
}

function compileFilter(args: readonly unknown[], scope: Scope): Node {
  const [items, logic] = scoped(args, scope);
  return (data, context) => {
    const list = items(data, context);
    return Array.isArray(list) ? list.filter((item) => truthy(logic(item, context))) : [];
  };
}

function compileReduce(args: readonly unknown[], scope: Scope): Node {
  const [items, logic, initial] = scoped(args, scope);
  const hasInitial = args.length > 2;
  return (data, context) => {
    const list = items(data, context);
    const start = hasInitial ? initial(data, context) : null;
    if (!Array.isArray(list)) return start;
    return list.reduce((accumulator, current) => logic({ current, accumulator }, context), start);
  };
}

/** `all` (every element passes, and there is one), `some` and `none`. */
function compileQuantifier(kind: "all" | "some" | "none"): OperatorCompiler {
  return (args, scope) => {
    const [items, logic] = scoped(args, scope);
    return (data, context) => {
      const list = items(data, context);
      if (!Array.isArray(list) || list.length === 0) return kind === "none";
      if (kind === "all") return list.every((item) => truthy(logic(item, context)));
      const found = list.some((item) => truthy(logic(item, context)));
      return kind === "some" ? found : !found;
    };
  };
}

// ---------------------------------------------------------------------------------------
// flagd's operations

function compileAffix(test: (value: unknown, affix: unknown) => boolean | null): OperatorCompiler {
  return (args, scope) => {
    const [value, affix] = compileArgs(args, scope) as [Node, Node];
    if (args.length !== 2) return NULL;
    return (data, context) => test(value(data, context), affix(data, context));
  };
}

function compileSemVer(args: readonly unknown[], scope: Scope): Node {
  const nodes = compileArgs(args, scope);
  if (nodes.length !== 3) return NULL;
  const [actual, operator, target] = nodes as [Node, Node, Node];
  if (!isConstant(operator) || !isConstant(target))
    return (data, context) =>
      semVer(actual(data, context), operator(data, context), target(data, context));
  // The usual rule compares the context's version with a written one by a written operator:
  // both are read once, here.
  const test = versionTest(constants.get(operator)) as VersionTest | undefined;
  const written = parseVersion(constants.get(target)) as Version | null;
  if (test === undefined || written === null) return NULL;
  return (data, context) => {
    const version = parseVersion(actual(data, context));
    return version === null ? null : test(version, written);
  };
}

/**
 * `fractional`: [seed?, [name, weight?]...]. A string first argument is the seed; otherwise
 * the seed is the flag key followed by the context's targetingKey (a null first argument is
 * skipped, as flagd skips a seed expression that found nothing). The seed's murmur3 hash
 * picks a bucket in proportion to the weights. Any malformed bucket, a missing targetingKey
 * or unusable weights make the operation null.
 */
function compileFractional(args: readonly unknown[], scope: Scope): Node {
  // A bucket written as an array literal is read element by element, without building it.
  const parts = args.map((arg, index) => {
    const at = `${scope.at}/${index}`;
    return Array.isArray(arg)
      ? {
          bucket: arg.map((item, position) => compile(item, { ...scope, at: `${at}/${position}` })),
        }
      : { expression: compile(arg, { ...scope, at }) };
  });
  const names = new Array<unknown>(parts.length);
  const weights = new Float64Array(parts.length);
  const { flagKey } = scope;

  /** Stores bucket `slot` from its name and weight; false when the bucket is malformed. */
  const store = (slot: number, name: unknown, weight: unknown) => {
    const value = bucketWeight(weight);
    if (!isBucketName(name) || value === undefined) return false;
    names[slot] = name;
    weights[slot] = value;
    return true;
  };

  return (data, context) => {
    if (parts.length === 0) return null;
    let seed: string | undefined;
    let first = 0;
    let firstValue: unknown;
    const head = parts[0] as (typeof parts)[number];
    if (head.expression !== undefined) {
      firstValue = head.expression(data, context);
      if (typeof firstValue === "string") seed = firstValue;
      if (typeof firstValue === "string" || firstValue === null || firstValue === undefined)
        first = 1;
    }
    if (seed === undefined) {
      const targetingKey = context.targetingKey;
      if (typeof targetingKey !== "string") return null;
      seed = flagKey + targetingKey;
    }
    let count = 0;
    for (let index = first; index < parts.length; index++) {
      const part = parts[index] as (typeof parts)[number];
      let stored: boolean;
      if (part.bucket !== undefined) {
        const [name, weight] = part.bucket;
        stored =
          name !== undefined &&
          store(count, name(data, context), weight === undefined ? 1 : weight(data, context));
      } else {
        const value = index === 0 ? firstValue : part.expression(data, context);
        stored =
          Array.isArray(value) &&
          value.length > 0 &&
          store(count, value[0], value.length > 1 ? value[1] : 1);
      }
      if (!stored) return null;
      count++;
    }
    const chosen = chooseBucket(murmur3(seed), weights, count);
    return chosen < 0 ? null : names[chosen];
  };
}

// ---------------------------------------------------------------------------------------

const OPERATORS: ReadonlyMap<string, OperatorCompiler> = new Map<string, OperatorCompiler>([
  ["var", compileVar],
  ["missing", compileMissing],
  ["missing_some", compileMissingSome],
  ["if", compileIf],
  ["?:", compileIf],
  ["and", compileJunction(false)],
  ["or", compileJunction(true)],
  // biome-ignore lint/suspicious/noDoubleEquals: JsonLogic's == is JavaScript's loose equality
  ["==", binary((a, b) => a == b)],
  ["===", binary((a, b) => a === b)],
  // biome-ignore lint/suspicious/noDoubleEquals: JsonLogic's != is JavaScript's loose inequality
  ["!=", binary((a, b) => a != b)],
  ["!==", binary((a, b) => a !== b)],
  [">", binary((a, b) => (a as number) > (b as number))],
  [">=", binary((a, b) => (a as number) >= (b as number))],
  ["<", between((a, b) => a < b)],
  ["<=", between((a, b) => a <= b)],
  ["!", unary((value) => !truthy(value))],
  ["!!", unary(truthy)],
  ["%", binary((a, b) => (a as number) % (b as number))],
  ["/", binary((a, b) => (a as number) / (b as number))],
  ["-", binary((a, b) => (b === undefined ? -(a as number) : (a as number) - (b as number)))],
  ["+", variadic(sum)],
  ["*", variadic(product)],
  ["min", variadic((values) => Math.min(...(values as number[])))],
  ["max", variadic((values) => Math.max(...(values as number[])))],
  ["merge", variadic(merge)],
  ["in", compileIn],
  ["cat", compileCat],
  ["substr", variadic((values) => substr(values[0], values[1], values[2]))],
  ["map", compileMap],
  ["filter", compileFilter],
  ["reduce", compileReduce],
  ["all", compileQuantifier("all")],
  ["some", compileQuantifier("some")],
  ["none", compileQuantifier("none")],
  ["starts_with", compileAffix(startsWith)],
  ["ends_with", compileAffix(endsWith)],
  ["sem_ver", compileSemVer],
  ["fractional", compileFractional],
]);
