import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import jsonLogic from "json-logic-js";
import * as semver from "semver";
import { type CompiledTargeting, type Context, compileTargeting } from "./targeting.ts";

const FLAG_KEY = "my-flag";
const NOW = 1_700_000_000_123;
const clock = () => NOW;

function compiled(rule: unknown, evaluators: Record<string, unknown> = {}) {
  const result = compileTargeting(rule, { flagKey: FLAG_KEY, evaluators, clock });
  if (!result.ok) throw new Error(result.problem);
  return result.evaluate;
}

const evaluate = (rule: unknown, context: Context = {}, evaluators: Record<string, unknown> = {}) =>
  compiled(rule, evaluators)(context);

// ---------------------------------------------------------------------------------------
// The reference: json-logic-js, with flagd's operations added as flagd specifies them.

/** The evaluation context of the reference call in progress, for fractional's defaults. */
let referenceContext: Context = {};

/**
 * json-logic-js's `var` also indexes into strings and walks prototypes; flagd's engines read
 * only JSON members, as the compiler does. Its `missing` evaluates each key once more as
 * logic (a key that is a one-key object throws), and its `missing_some` passes its data on
 * as `this`, which the library (loaded as sloppy code) boxes, turning null into the global
 * object. Those three are restated here; everything else is the library's own.
 */
function referenceVar(this: unknown, path: unknown, fallback?: unknown) {
  const notFound = fallback === undefined ? null : fallback;
  if (path === undefined || path === null || path === "") return this;
  let data: unknown = this;
  for (const segment of String(path).split(".")) {
    if (typeof data !== "object" || data === null || !Object.hasOwn(data, segment)) return notFound;
    data = (data as Record<string, unknown>)[segment];
  }
  return data;
}
function referenceMissing(this: unknown, ...args: unknown[]) {
  const keys = Array.isArray(args[0]) ? args[0] : args;
  return keys.filter((key) => {
    const value = referenceVar.call(this, key);
    return value === null || value === "";
  });
}
jsonLogic.add_operation("var", referenceVar);
jsonLogic.add_operation("missing", referenceMissing);
jsonLogic.add_operation("missing_some", function (this: unknown, need: unknown, options: unknown) {
  const missing = referenceMissing.call(this, options);
  return (options as unknown[]).length - missing.length >= (need as number) ? [] : missing;
});
jsonLogic.add_operation("starts_with", (...args: unknown[]) =>
  args.length === 2 && typeof args[0] === "string" && typeof args[1] === "string"
    ? args[0].startsWith(args[1])
    : null,
);
jsonLogic.add_operation("ends_with", (...args: unknown[]) =>
  args.length === 2 && typeof args[0] === "string" && typeof args[1] === "string"
    ? args[0].endsWith(args[1])
    : null,
);
function referenceVersion(raw: unknown) {
  if (typeof raw !== "string" && typeof raw !== "number") return null;
  const text = String(raw).replace(/^[vV]/, "");
  if (/^\d+(\.\d+)?$/.test(text)) return semver.coerce(text);
  return /^\d/.test(text) ? semver.parse(text) : null;
}
jsonLogic.add_operation("sem_ver", (...args: unknown[]) => {
  if (args.length !== 3) return null;
  const [left, operator, right] = [referenceVersion(args[0]), args[1], referenceVersion(args[2])];
  if (left === null || right === null) return null;
  const order = semver.compare(left, right);
  const tests: Record<string, boolean> = {
    "=": order === 0,
    "!=": order !== 0,
    "<": order < 0,
    "<=": order <= 0,
    ">": order > 0,
    ">=": order >= 0,
    "^": left.major === right.major,
    "~": left.major === right.major && left.minor === right.minor,
  };
  return typeof operator === "string" && Object.hasOwn(tests, operator) ? tests[operator] : null;
});
jsonLogic.add_operation("fractional", (...args: unknown[]) => {
  let buckets = args;
  let seed: string;
  if (typeof args[0] === "string") {
    seed = args[0];
    buckets = args.slice(1);
  } else {
    if (args[0] === null || args[0] === undefined) buckets = args.slice(1);
    if (typeof referenceContext.targetingKey !== "string") return null;
    seed = FLAG_KEY + referenceContext.targetingKey;
  }
  const parsed: { name: unknown; weight: bigint }[] = [];
  for (const bucket of buckets) {
    if (!Array.isArray(bucket) || bucket.length === 0) return null;
    const [name, weight = 1] = bucket;
    const scalar = name === null || ["string", "number", "boolean"].includes(typeof name);
    const integer = weight === null || (typeof weight === "number" && Number.isInteger(weight));
    if (!scalar || !integer || (weight ?? 0) > 2147483647) return null;
    parsed.push({ name, weight: BigInt(Math.max(weight ?? 1, 0)) });
  }
  const total = parsed.reduce((sum, { weight }) => sum + weight, 0n);
  if (total === 0n || total > 2147483647n) return null;
  const point = (BigInt(Bun.hash.murmur32v3(seed, 0)) * total) >> 32n;
  let end = 0n;
  for (const { name, weight } of parsed) {
    end += weight;
    if (point < end) return name;
  }
  return null;
});

function reference(rule: unknown, context: Context): unknown {
  referenceContext = context;
  const data = { ...context, $flagd: { flagKey: FLAG_KEY, timestamp: Math.floor(NOW / 1000) } };
  return jsonLogic.apply(rule as never, data);
}

/** A call's outcome, with a throw as an outcome of its own. */
function outcome(run: () => unknown): { value: unknown } | { threw: true } {
  try {
    return { value: run() };
  } catch {
    return { threw: true };
  }
}

// ---------------------------------------------------------------------------------------
// Generators (their objects go through JSON, as rules and contexts do: fast-check's own have
// no prototype, which JSON.parse never produces)

const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value));

const KEYS = ["a", "b", "user", "version", "tier", "items", "0", "1"] as const;
const STRINGS = [
  "",
  "a",
  "abc",
  "ab",
  "1",
  "10",
  "1.2",
  "1.2.3",
  "v2.0.0",
  "2.0.0-beta",
  "x@ex.com",
];

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -3, max: 12 }),
  fc.constantFrom(0.5, -1.5, 1.2),
  fc.constantFrom(...STRINGS),
);

const jsonData: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie("value"), { maxKeys: 3 }),
  ),
})).value;

const context: fc.Arbitrary<Context> = fc
  .record(
    {
      a: jsonData,
      b: jsonData,
      user: fc.dictionary(fc.constantFrom(...KEYS), jsonData, { maxKeys: 3 }),
      version: fc.constantFrom("1.2.3", "2.0.0", "v1.0.0", "1.0", "bad", 1.2, 3),
      items: fc.array(jsonData, { maxLength: 4 }),
      targetingKey: fc.oneof(fc.constantFrom("user-1", "user-2", "", "ceQdGm"), fc.integer()),
    },
    { requiredKeys: [] },
  )
  .map(asJson);

const path = fc.oneof(
  fc.constantFrom("", "$flagd.flagKey", "$flagd.timestamp", "$flagd", "targetingKey"),
  fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }).map((keys) => keys.join(".")),
  fc.nat({ max: 2 }),
);

const OPERATORS = [
  "==",
  "===",
  "!=",
  "!==",
  "!",
  "!!",
  "<",
  "<=",
  ">",
  ">=",
  "and",
  "or",
  "if",
  "?:",
  "+",
  "-",
  "*",
  "/",
  "%",
  "min",
  "max",
  "merge",
  "in",
  "cat",
  "substr",
  "missing",
  "starts_with",
  "ends_with",
  "sem_ver",
] as const;

/**
 * `{"*": []}` is the one operation that throws. json-logic-js evaluates every argument, even
 * those an operation ignores, so it throws wherever it sits; the compiler evaluates what is
 * used. The generators leave it out, and a test below pins that it throws when reached.
 */
const withOperands = (operator: string, args: unknown[]) =>
  operator === "*" && args.length === 0 ? [1] : args;

const rule: fc.Arbitrary<unknown> = fc
  .letrec<{ rule: unknown; logic: unknown }>((tie) => ({
    rule: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalar,
      tie("logic"),
      fc.array(tie("rule"), { maxLength: 3 }),
      fc.record({ x: tie("rule"), y: scalar }),
    ),
    logic: fc.oneof(
      { depthSize: "small" },
      fc.record({ var: fc.oneof(path, fc.tuple(path, tie("rule"))) }),
      fc
        .tuple(fc.constantFrom(...OPERATORS), fc.array(tie("rule"), { maxLength: 4 }), fc.boolean())
        .map(([operator, args, unwrap]) => ({
          // A lone argument may be written without its array, as JsonLogic allows.
          [operator]: unwrap && args.length === 1 ? args[0] : withOperands(operator, args),
        })),
      fc.record({ in: fc.tuple(tie("rule"), fc.array(scalar, { maxLength: 12 })) }),
      fc.record({
        sem_ver: fc.tuple(
          fc.oneof(fc.constant({ var: "version" }), fc.constantFrom(...STRINGS)),
          fc.constantFrom("=", "!=", "<", "<=", ">", ">=", "^", "~", "===", 1),
          fc.oneof(fc.constantFrom(...STRINGS), fc.constant({ var: "version" })),
        ),
      }),
      fc.record({ missing_some: fc.tuple(fc.nat({ max: 3 }), fc.array(path, { maxLength: 3 })) }),
      fc
        .tuple(
          fc.constantFrom("map", "filter", "all", "none", "some", "reduce"),
          fc.oneof(fc.constant({ var: "items" }), tie("rule")),
          tie("rule"),
          fc.option(tie("rule"), { nil: undefined }),
        )
        .map(([operator, items, logic, initial]) => ({
          [operator]: initial === undefined ? [items, logic] : [items, logic, initial],
        })),
      fc
        .tuple(
          fc.option(fc.oneof(fc.constantFrom("seed", ""), fc.constant({ var: "a" }), tie("rule")), {
            nil: undefined,
          }),
          fc.array(
            fc.oneof(
              fc.tuple(
                fc.oneof(fc.constantFrom("x", "y", true, 3, null), tie("rule")),
                fc.oneof(fc.integer({ min: -5, max: 60 }), fc.constant(null), tie("rule")),
              ),
              fc.tuple(fc.constantFrom("z", false)),
              tie("rule"),
            ),
            { maxLength: 4 },
          ),
        )
        .map(([seed, buckets]) => ({
          fractional: seed === undefined ? buckets : [seed, ...buckets],
        })),
    ),
  }))
  .rule.map(asJson);

// ---------------------------------------------------------------------------------------

describe("compiled targeting", () => {
  test("answers as json-logic-js with flagd's operations does, on any rule and context", () => {
    fc.assert(
      fc.property(rule, context, (generated, subject) => {
        const compilation = compileTargeting(generated, { flagKey: FLAG_KEY, clock });
        expect(compilation.ok).toBe(true);
        const { evaluate: run } = compilation as Extract<CompiledTargeting, { ok: true }>;
        expect(outcome(() => run(subject))).toEqual(outcome(() => reference(generated, subject)));
      }),
      { numRuns: 4000 },
    );
  });

  test("answers as json-logic-js does for every operation on plain operands", () => {
    const operand = fc.oneof(scalar, fc.record({ var: path }), fc.array(scalar, { maxLength: 2 }));
    const call = fc
      .tuple(fc.constantFrom(...OPERATORS), fc.array(operand, { maxLength: 3 }))
      .map(([operator, args]) => asJson({ [operator]: withOperands(operator, args) }));
    fc.assert(
      fc.property(call, context, (generated, subject) => {
        expect(outcome(() => evaluate(generated, subject))).toEqual(
          outcome(() => reference(generated, subject)),
        );
      }),
      { numRuns: 10_000 },
    );
  });

  test("reads flagd's properties and the context", () => {
    const context = { targetingKey: "u-1", $flagd: { flagKey: "spoofed" }, user: { id: 7 } };
    expect(evaluate({ var: "$flagd.flagKey" }, context)).toBe(FLAG_KEY);
    expect(evaluate({ var: "$flagd.timestamp" }, context)).toBe(1_700_000_000);
    expect(evaluate({ var: "$flagd" }, context)).toEqual({
      flagKey: FLAG_KEY,
      timestamp: 1_700_000_000,
    });
    expect(evaluate({ var: "targetingKey" }, context)).toBe("u-1");
    expect(evaluate({ var: "user.id" }, context)).toBe(7);
    expect(evaluate({ var: ["user.name", "anon"] }, context)).toBe("anon");
    expect(evaluate({ var: "user.id.x" }, context)).toBeNull();
    expect(evaluate({ cat: [{ var: "$flagd.flagKey" }, { var: "targetingKey" }] }, context)).toBe(
      "my-flagu-1",
    );
  });

  test("stamps every evaluation with the time it runs", () => {
    let now = NOW;
    const result = compileTargeting(
      [{ var: "$flagd.timestamp" }, { var: "$flagd.timestamp" }, { var: "" }],
      { flagKey: FLAG_KEY, clock: () => now },
    );
    if (!result.ok) throw new Error(result.problem);
    const context = Object.freeze({ a: 1 });
    const stamps = () => {
      const [stamp, again, top] = result.evaluate(context) as [number, number, { $flagd: unknown }];
      return [stamp, again, top.$flagd];
    };
    expect(stamps()).toEqual([
      1_700_000_000,
      1_700_000_000,
      { flagKey: FLAG_KEY, timestamp: 1_700_000_000 },
    ]);
    now += 5000;
    expect(stamps()).toEqual([
      1_700_000_005,
      1_700_000_005,
      { flagKey: FLAG_KEY, timestamp: 1_700_000_005 },
    ]);
    expect(evaluate({ "==": [{ var: "$flagd" }, { var: "$flagd" }] })).toBe(true);
  });

  test("reads the current element inside per-element logic, at any depth", () => {
    const context = { rows: [[1, 2], [3]], limit: 2 };
    expect(
      evaluate(
        { map: [{ var: "rows" }, { map: [{ var: "" }, { "*": [{ var: "" }, 10] }] }] },
        context,
      ),
    ).toEqual([[10, 20], [30]]);
    expect(
      evaluate(
        { filter: [{ var: "rows" }, { some: [{ var: "" }, { ">": [{ var: "" }, 2] }] }] },
        context,
      ),
    ).toEqual([[3]]);
    expect(
      evaluate({ reduce: [[1, 2, 3], { "+": [{ var: "current" }, { var: "accumulator" }] }, 10] }),
    ).toBe(16);
    // Inside, names are the element's: the context's "limit" is out of reach.
    const things = [{ limit: 9 }, {}];
    expect(
      evaluate({ map: [{ var: "things" }, { var: "limit" }] }, { ...context, things }),
    ).toEqual([9, null]);
  });

  test("reads only JSON members: no string characters, no prototype", () => {
    const context = { name: "abc", list: [1, 2] };
    expect(evaluate({ var: "name.length" }, context)).toBeNull();
    expect(evaluate({ var: "name.0" }, context)).toBeNull();
    expect(evaluate({ var: "constructor" }, context)).toBeNull();
    expect(evaluate({ var: "__proto__" }, context)).toBeNull();
    expect(evaluate({ var: "list.1" }, context)).toBe(2);
  });

  test("looks long constant lists up as indexOf would", () => {
    const list = ["a", "b", "c", 1, 2, 3, true, null, "", "z"];
    fc.assert(
      fc.property(scalar, (value) => {
        expect(evaluate({ in: [{ var: "v" }, list] }, { v: value })).toBe(list.includes(value));
      }),
    );
  });

  test("multiplies as json-logic-js does, a running -0 read again as 0", () => {
    expect(evaluate({ "*": [0, -1] })).toBe(-0);
    expect(evaluate({ "*": [0, [-1.5], 3] })).toBe(0);
    expect(evaluate({ "*": ["2", [3], "4.5"] })).toBe(27);
  });
});

describe("compilation problems", () => {
  test.each([
    [{ invalid: ["x"] }, 'unknown operator "invalid" at /invalid'],
    [{ if: [true, "a", { nope: 1 }] }, 'unknown operator "nope" at /if/2/nope'],
    [{ log: "x" }, 'unknown operator "log" at /log'],
    [{ $ref: "missing" }, 'unresolved $ref "missing" at /$ref'],
    [{ $ref: 3 }, "unresolved $ref 3 at /$ref"],
    [{ $ref: "loop" }, "$ref cycle loop → again → loop at /$evaluators/again/$ref"],
  ])("%j does not compile: %s", (bad, problem) => {
    const evaluators = { loop: { $ref: "again" }, again: { $ref: "loop" } };
    expect(compileTargeting(bad, { flagKey: FLAG_KEY, evaluators })).toEqual({
      ok: false,
      problem,
    });
  });

  test("a rule refers to evaluators, which may refer to each other, in any scope", () => {
    const evaluators = {
      isAdmin: { in: [{ var: "email" }, { $ref: "admins" }] },
      admins: ["ann@x.com", "bob@x.com"],
      isShort: { "<": [{ var: "" }, 3] },
    };
    const rule = { if: [{ $ref: "isAdmin" }, "on", "off"] };
    expect(evaluate(rule, { email: "bob@x.com" }, evaluators)).toBe("on");
    expect(evaluate(rule, { email: "eve@x.com" }, evaluators)).toBe("off");
    expect(evaluate({ filter: [[1, 5, 2], { $ref: "isShort" }] }, {}, evaluators)).toEqual([1, 2]);
  });

  test("an operation that fails when evaluated throws", () => {
    expect(() => evaluate({ "*": [] })).toThrow();
    expect(evaluate({ if: [false, { "*": [] }, "not reached"] })).toBe("not reached");
  });
});

describe("fractional", () => {
  const fractional = (args: unknown[], context: Context = {}) =>
    evaluate({ fractional: args }, context);

  test("buckets the seed's hash by weight", () => {
    // murmur3 of these keys is 0, 2³¹−1, 2³¹ and 2³²−1: the ends of the two halves.
    const halves = (key: string) => fractional([key, ["lower", 50], ["upper", 50]]);
    expect(["ejOoVL", "SI7p-", "6LvT0", "ceQdGm"].map(halves)).toEqual([
      "lower",
      "lower",
      "upper",
      "upper",
    ]);
  });

  test("seeds with the flag key and targetingKey when no seed is written", () => {
    const buckets = [
      ["a", 1],
      ["b", 1],
      ["c", 1],
      ["d", 1],
    ];
    for (const targetingKey of ["u1", "u2", "u3", "u4", "u5", "u6"]) {
      const explicit = fractional([FLAG_KEY + targetingKey, ...buckets]);
      expect(fractional(buckets, { targetingKey })).toBe(explicit);
      // A seed expression that finds nothing is skipped, as flagd skips it.
      expect(fractional([{ var: "missing" }, ...buckets], { targetingKey })).toBe(explicit);
    }
    expect(fractional(buckets)).toBeNull();
    expect(fractional(buckets, { targetingKey: 42 })).toBeNull();
  });

  test("reads buckets as flagd does", () => {
    const seed = "ceQdGm"; // hash 2³²−1: the last bucket with weight
    expect(fractional([seed, ["only"]])).toBe("only");
    expect(fractional([seed, ["a", null], ["b", null]])).toBe("b");
    expect(fractional([seed, ["a", 1], ["b", -5]])).toBe("a");
    expect(fractional([seed, [true, 1], [false, 0]])).toBe(true);
    expect(fractional([seed, [7, 1]])).toBe(7);
    expect(fractional([seed, [null, 1]])).toBeNull();
    expect(fractional([seed, ["a", 1, "ignored"]])).toBe("a");
    expect(fractional([seed, ["a", { var: "w" }], ["b", 0]], { w: 3 })).toBe("a");
    expect(fractional([seed, [{ var: "name" }, 1]], { name: "dynamic" })).toBe("dynamic");
    expect(fractional([seed, { var: "bucket" }], { bucket: ["from-context", 2] })).toBe(
      "from-context",
    );
  });

  test.each([
    [["s"]],
    [["s", ["a", 0], ["b", 0]]],
    [["s", ["a", 1.5]]],
    [["s", ["a", "1"]]],
    [["s", ["a", 2147483648]]],
    [["s", ["a", 2147483647], ["b", 1]]],
    [["s", []]],
    [["s", [{ x: 1, y: 2 }, 1]]],
    [["s", [["nested"], 1]]],
    [["s", "not-a-bucket"]],
    [[3, ["a", 1]]],
  ])("is null for %j", (args) => {
    expect(fractional(args, { targetingKey: "user" })).toBeNull();
  });
});
