import { describe, expect, test } from "bun:test";
import { MemoryStorage } from "@openfeature/flagd-core";
import fc from "fast-check";
import { checkDocument, pointerTo } from "./document.ts";

const flag = (fields: Record<string, unknown>) => ({
  flags: {
    "my-flag": {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "on",
      ...fields,
    },
  },
});

const problemOf = (document: unknown) => {
  const check = checkDocument(document);
  if (check.ok) throw new Error("expected a problem");
  return check.problem;
};

describe("checkDocument", () => {
  test("names the flag and the pointer of a variant map that is not an object", () => {
    expect(problemOf(flag({ variants: ["on", "off"] }))).toEqual({
      flag: "my-flag",
      pointer: "/flags/my-flag/variants",
      message: "must be an object of variant names to values",
    });
  });

  test("names the flag and the pointer of a state outside ENABLED and DISABLED", () => {
    expect(problemOf(flag({ state: "ON" }))).toEqual({
      flag: "my-flag",
      pointer: "/flags/my-flag/state",
      message: 'must be "ENABLED" or "DISABLED"',
    });
  });

  test("names the flag and the pointer of missing variants", () => {
    expect(problemOf(flag({ variants: undefined }))).toEqual({
      flag: "my-flag",
      pointer: "/flags/my-flag/variants",
      message: "is required",
    });
  });

  test.each([
    [null, "", "the document must be a JSON object"],
    [[], "", "the document must be a JSON object"],
    [{}, "/flags", "is required"],
    [{ flags: [] }, "/flags", "must be an object of flag keys to flags"],
    [{ flags: { "": {} } }, "/flags/", "a flag key must be a non-empty single-line string"],
    [{ flags: { "a\nb": {} } }, "/flags/a\nb", "a flag key must be a non-empty single-line string"],
    [{ flags: { f: "on" } }, "/flags/f", "a flag must be an object"],
    [{ flags: { f: {} } }, "/flags/f/state", "is required"],
    [
      { flags: { "a/b~c": { state: 1 } } },
      "/flags/a~1b~0c/state",
      'must be "ENABLED" or "DISABLED"',
    ],
  ])("reports %j at %j", (document, pointer, message) => {
    expect(problemOf(document)).toMatchObject({ pointer, message });
  });

  test.each([
    [{ variants: {} }, "/flags/my-flag/variants", "must define at least one variant"],
    [{ variants: { "": true } }, "/flags/my-flag/variants/", "a variant name must be"],
    [
      { variants: { on: true, off: "no" } },
      "/flags/my-flag/variants/off",
      "must be a boolean, like",
    ],
    [{ variants: { on: null } }, "/flags/my-flag/variants/on", "must be a boolean, a string"],
    [{ variants: { on: [1] } }, "/flags/my-flag/variants/on", "must be a boolean, a string"],
    [{ variants: { big: 2 ** 53 } }, "/flags/my-flag/variants/big", "must be a number between"],
    [{ defaultVariant: 1 }, "/flags/my-flag/defaultVariant", "must be a string or null"],
    [
      { defaultVariant: "purple" },
      "/flags/my-flag/defaultVariant",
      'names no variant of the flag: "purple"',
    ],
    [{ targeting: "on" }, "/flags/my-flag/targeting", "must be a JsonLogic object"],
    [{ targeting: null }, "/flags/my-flag/targeting", "must be a JsonLogic object"],
    [{ targeting: ["on"] }, "/flags/my-flag/targeting", "must be a JsonLogic object"],
    [{ metadata: [] }, "/flags/my-flag/metadata", "must be an object"],
    [{ metadata: { owner: null } }, "/flags/my-flag/metadata/owner", "must be a string, a number"],
  ])("reports a flag with %j at %j", (fields, pointer, message) => {
    const problem = problemOf(flag(fields));
    expect(problem.flag).toBe("my-flag");
    expect(problem.pointer).toBe(pointer);
    expect(problem.message).toStartWith(message);
  });

  test.each([
    [{ $evaluators: [] }, "/$evaluators", "must be an object of evaluator names to rules"],
    [{ $evaluators: { seg: "x" } }, "/$evaluators/seg", "must be a JsonLogic object"],
    [{ metadata: { flagSetId: 7 } }, "/metadata/flagSetId", "must be a string"],
    [{ metadata: { version: true } }, "/metadata/version", "must be a string"],
    [{ metadata: { team: {} } }, "/metadata/team", "must be a string, a number or a boolean"],
  ])("reports %j at %j, in no flag", (fields, pointer, message) => {
    expect(problemOf({ ...flag({}), ...fields })).toEqual({ pointer, message });
  });

  test("reports the first problem, flag by flag", () => {
    const document = {
      flags: {
        good: { state: "ENABLED", variants: { on: true } },
        bad: { state: "ENABLED", variants: { on: true }, defaultVariant: "off", metadata: 1 },
        worse: {},
      },
    };
    expect(problemOf(document).pointer).toBe("/flags/bad/defaultVariant");
  });

  test("returns the document typed and normalised", () => {
    const document = {
      $schema: "https://flagd.dev/schema/v0/flags.json",
      flags: {
        plain: { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on" },
        none: { state: "DISABLED", variants: { a: "A" }, defaultVariant: null, extra: 1 },
        empty: { state: "ENABLED", variants: { a: 1 }, defaultVariant: "", targeting: {} },
        broken: {
          state: "ENABLED",
          variants: { a: { deep: [1, { x: null }] } },
          metadata: { owner: "me", rank: 2, live: true },
          // Valid: these fail only when evaluated (PARSE_ERROR), as in flagd.
          targeting: { if: [{ unknown: [] }, { $ref: "nowhere" }, "a"] },
        },
      },
      $evaluators: { seg: { in: [{ var: "email" }, ["a@b.c"]] } },
      metadata: { flagSetId: "set", version: "3", weight: 1 },
    };
    expect(checkDocument(document)).toEqual({
      ok: true,
      document: {
        flags: {
          plain: {
            state: "ENABLED",
            variants: { on: true, off: false },
            defaultVariant: "on",
            metadata: {},
          },
          none: { state: "DISABLED", variants: { a: "A" }, defaultVariant: null, metadata: {} },
          empty: {
            state: "ENABLED",
            variants: { a: 1 },
            defaultVariant: null,
            targeting: {},
            metadata: {},
          },
          broken: {
            state: "ENABLED",
            variants: { a: { deep: [1, { x: null }] } },
            defaultVariant: null,
            targeting: { if: [{ unknown: [] }, { $ref: "nowhere" }, "a"] },
            metadata: { owner: "me", rank: 2, live: true },
          },
        },
        $evaluators: { seg: { in: [{ var: "email" }, ["a@b.c"]] } },
        metadata: { flagSetId: "set", version: "3", weight: 1 },
      },
    });
  });

  test("keeps keys that are also Object.prototype names as plain members", () => {
    const document = JSON.parse(
      '{"flags":{"__proto__":{"state":"ENABLED","variants":{"__proto__":"x","constructor":"y"},"defaultVariant":"constructor"}}}',
    );
    const check = checkDocument(document);
    expect(check.ok).toBe(true);
    if (check.ok) expect(Object.keys(check.document.flags)).toEqual(["__proto__"]);
  });

  test("refuses values JSON cannot hold", () => {
    expect(problemOf(flag({ variants: { on: Number.NaN } })).pointer).toBe(
      "/flags/my-flag/variants/on",
    );
    expect(problemOf(flag({ variants: { on: { when: new Date() } } })).pointer).toBe(
      "/flags/my-flag/variants/on",
    );
    expect(problemOf(flag({ targeting: { if: [undefined] } })).pointer).toBe(
      "/flags/my-flag/targeting",
    );
  });
});

describe("against flagd-core's validator", () => {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const flagdAccepts = (document: unknown) => {
    try {
      new MemoryStorage(quiet).setConfigurations(JSON.stringify(document), true);
      return true;
    } catch {
      return false;
    }
  };

  /**
   * Mostly a valid value, sometimes one of the invalid: documents with few defects, about a
   * third of them with none, so both verdicts stay far above the floor the test checks.
   */
  const mostly = (valid: unknown[], invalid: unknown[]) =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...valid) },
      { weight: 1, arbitrary: fc.constantFrom(...invalid) },
    );
  // Targeting and evaluators only from what flagd's targeting schema accepts, or non-objects:
  // the schema also checks the rules inside, which are stored here and fail when evaluated.
  const rule = mostly(
    [
      {},
      { if: [{ "==": [{ var: "email" }, "a@b.c"] }, "on", null] },
      { fractional: [{ var: "id" }, ["on", 50], ["off", 50]] },
      { if: [{ $ref: "seg" }, "on", "off"] },
    ],
    ["on", ["on"], null, 7],
  );
  const evaluator = mostly(
    [{ "==": [{ var: "email" }, "a@b.c"] }, { in: ["x", ["x", "y"]] }],
    ["on", null, []],
  );
  const variants = mostly(
    [
      { on: true, off: false },
      { on: "yes", off: "no" },
      { on: 1, off: -2.5 },
      { on: {}, off: { nested: [1, "x", null] } },
    ],
    [
      {},
      { on: true, off: "no" },
      { on: 1, off: {} },
      { on: {}, off: false },
      { on: null },
      { on: [true] },
      { "": true },
      { "a\nb": true, on: true },
      "on",
      ["on"],
      null,
    ],
  );
  const flagDefinition = fc.record(
    {
      state: mostly(["ENABLED", "DISABLED"], ["enabled", "", 1, null]),
      variants,
      defaultVariant: mostly(["on", "off", "", null], ["missing", 3, true]),
      targeting: rule,
      metadata: mostly([{}, { a: 1, b: "x", c: false }], [{ a: null }, { a: [] }, "m", null]),
      description: fc.constant("not in the schema, allowed"),
    },
    { requiredKeys: ["state", "variants"] },
  );
  const document = fc.record(
    {
      flags: fc.oneof(
        {
          weight: 8,
          arbitrary: fc.dictionary(
            mostly(["f", "g-1", "ç", "a b"], ["", "a\nb", "a\rb"]) as fc.Arbitrary<string>,
            fc.oneof(
              { weight: 8, arbitrary: flagDefinition },
              fc.constantFrom<unknown>(null, [], "f", {}),
            ),
            { maxKeys: 3 },
          ),
        },
        fc.constantFrom<unknown>([], null, "flags"),
      ),
      $evaluators: fc.oneof(
        {
          weight: 4,
          arbitrary: fc.dictionary(
            mostly(["seg", "other"], [""]) as fc.Arbitrary<string>,
            evaluator,
            { maxKeys: 2 },
          ),
        },
        fc.constantFrom<unknown>([], "x"),
      ),
      metadata: mostly(
        [{ flagSetId: "set", version: "1", extra: 2 }, {}],
        [{ flagSetId: 1 }, { version: false }, { team: {} }, null, "m", []],
      ),
      $schema: fc.constant("https://flagd.dev/schema/v0/flags.json"),
    },
    { requiredKeys: ["flags"] },
  );

  test("accepts exactly the documents flagd-core accepts", () => {
    const verdicts = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(document, (generated) => {
        const json = JSON.parse(JSON.stringify(generated));
        const accepted = checkDocument(json).ok;
        expect(accepted).toBe(flagdAccepts(json));
        verdicts[accepted ? "accepted" : "refused"]++;
      }),
      { numRuns: 3000 },
    );
    // Both verdicts are common, or the comparison would prove little.
    expect(verdicts.accepted).toBeGreaterThan(600);
    expect(verdicts.refused).toBeGreaterThan(600);
  });

  test("differs only where the newer schema does: number variants within ±(2⁵³−1)", () => {
    const big = flag({ variants: { big: 2 ** 53 }, defaultVariant: "big" });
    expect(flagdAccepts(big)).toBe(true);
    expect(checkDocument(big).ok).toBe(false);
    expect(checkDocument(flag({ variants: { big: 2 ** 53 - 1 }, defaultVariant: "big" })).ok).toBe(
      true,
    );
  });

  test("pointers are RFC 6901", () => {
    expect(pointerTo("flags", "a/b", "~x")).toBe("/flags/a~1b/~0x");
    expect(pointerTo()).toBe("");
  });
});
