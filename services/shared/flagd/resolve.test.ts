import { describe, expect, test } from "bun:test";
import {
  checkDocument,
  type FlagDefinition,
  type FlagdDocument,
  type JsonObject,
} from "./document.ts";
import { compileFlag, compileFlagSet, flagNotFound, requireKind } from "./resolve.ts";

const definition = (fields: Partial<FlagDefinition> = {}): FlagDefinition => ({
  state: "ENABLED",
  variants: { red: "#f00", blue: "#00f" },
  defaultVariant: "red",
  metadata: {},
  ...fields,
});

const evaluate = (fields: Partial<FlagDefinition>, context = {}) =>
  compileFlag("color", definition(fields)).evaluate(context);

describe("compileFlag", () => {
  test("serves the default variant, STATIC, without targeting", () => {
    expect(evaluate({})).toEqual({ value: "#f00", variant: "red", reason: "STATIC", metadata: {} });
    expect(evaluate({ targeting: {} }).reason).toBe("STATIC");
  });

  test("serves the variant targeting names, TARGETING_MATCH", () => {
    const targeting = { if: [{ "==": [{ var: "tier" }, "gold"] }, "blue", null] };
    expect(evaluate({ targeting }, { tier: "gold" })).toEqual({
      value: "#00f",
      variant: "blue",
      reason: "TARGETING_MATCH",
      metadata: {},
    });
  });

  test("serves the default variant, DEFAULT, when targeting returns null or nothing", () => {
    const withElse = { if: [{ var: "vip" }, "blue", null] };
    const withoutElse = { if: [{ var: "vip" }, "blue"] };
    const nothing = { and: [] };
    for (const targeting of [withElse, withoutElse, nothing])
      expect(evaluate({ targeting })).toEqual({
        value: "#f00",
        variant: "red",
        reason: "DEFAULT",
        metadata: {},
      });
  });

  test("answers DEFAULT with no value when there is no default variant to serve", () => {
    const targeting = { if: [{ var: "vip" }, "blue", null] };
    expect(evaluate({ defaultVariant: null })).toEqual({ reason: "DEFAULT", metadata: {} });
    expect(evaluate({ defaultVariant: null, targeting })).toEqual({
      reason: "DEFAULT",
      metadata: {},
    });
    expect(evaluate({ defaultVariant: null, targeting }, { vip: true }).variant).toBe("blue");
  });

  test("reads a boolean or number from targeting as the variant of that name", () => {
    const variants = { true: 1, false: 0, "2": 2 };
    expect(
      evaluate(
        { variants, defaultVariant: "false", targeting: { "!!": [{ var: "on" }] } },
        { on: 1 },
      ),
    ).toMatchObject({ value: 1, variant: "true" });
    expect(
      evaluate({ variants, defaultVariant: "false", targeting: { "!": [true] } }),
    ).toMatchObject({ value: 0, variant: "false" });
    expect(
      evaluate({ variants, defaultVariant: "false", targeting: { "+": [1, 1] } }),
    ).toMatchObject({ value: 2, variant: "2" });
  });

  test.each([
    [{ if: [true, "green"] }, 'targeting returned "green", which names no variant'],
    [{ var: "list" }, "targeting returned [1], which names no variant"],
    [{ if: [true, ""] }, 'targeting returned "", which names no variant'],
  ])("answers ERROR, GENERAL, when targeting %j names no variant", (targeting, message) => {
    expect(evaluate({ targeting }, { list: [1] })).toEqual({
      reason: "ERROR",
      errorCode: "GENERAL",
      errorMessage: `flag "color": ${message}`,
      metadata: {},
    });
  });

  test.each([
    [{ invalid: ["x"] }, 'unknown operator "invalid" at /invalid'],
    [{ if: [{ $ref: "nowhere" }, "blue", null] }, 'unresolved $ref "nowhere" at /if/0/$ref'],
    [{ if: [true, { "*": [] }] }, "targeting failed: '*' needs at least one operand"],
  ])("answers ERROR, PARSE_ERROR, for targeting %j", (targeting, message) => {
    expect(evaluate({ targeting })).toEqual({
      reason: "ERROR",
      errorCode: "PARSE_ERROR",
      errorMessage: `flag "color": ${message}`,
      metadata: {},
    });
  });

  test("answers DISABLED with no value for a disabled flag, whatever its targeting", () => {
    const rules: (JsonObject | undefined)[] = [undefined, { invalid: [] }, { if: [true, "blue"] }];
    for (const targeting of rules) {
      const flag = compileFlag(
        "color",
        definition({ state: "DISABLED", targeting, metadata: { team: "web" } }),
      );
      expect(flag.evaluate({})).toEqual({ reason: "DISABLED", metadata: { team: "web" } });
      expect(flag.targeted).toBe(false);
    }
  });

  test("merges the flag's metadata over the flag set's, on every answer", () => {
    const flag = compileFlag(
      "color",
      definition({ metadata: { owner: "web", version: 2 }, targeting: { var: "pick" } }),
      {},
      { flagSetMetadata: { owner: "platform", flagSetId: "set" } },
    );
    const metadata = { owner: "web", version: 2, flagSetId: "set" };
    expect(flag.evaluate({ pick: "blue" }).metadata).toEqual(metadata);
    expect(flag.evaluate({}).metadata).toEqual(metadata);
    expect(flag.evaluate({ pick: "nope" }).metadata).toEqual(metadata);
  });

  test("resolves $ref to the evaluators it is given", () => {
    const flag = compileFlag(
      "color",
      definition({ targeting: { if: [{ $ref: "staff" }, "blue", null] } }),
      { staff: { ends_with: [{ var: "email" }, "@example.com"] } },
    );
    expect(flag.evaluate({ email: "ann@example.com" }).variant).toBe("blue");
    expect(flag.evaluate({ email: "bob@elsewhere.org" }).reason).toBe("DEFAULT");
  });

  test("gives targeting the flag key and the time in seconds", () => {
    const flag = compileFlag(
      "color",
      definition({
        targeting: {
          if: [
            { "<": [{ var: "$flagd.timestamp" }, { var: "until" }] },
            { var: "$flagd.flagKey" },
            null,
          ],
        },
        variants: { color: "live", red: "over" },
      }),
      {},
      { clock: () => 1_000_999 },
    );
    expect(flag.evaluate({ until: 1001 }).value).toBe("live");
    expect(flag.evaluate({ until: 1000 }).value).toBe("over");
  });

  test("says which flags answer the same whatever the context", () => {
    expect(compileFlag("f", definition()).targeted).toBe(false);
    expect(compileFlag("f", definition({ targeting: {} })).targeted).toBe(false);
    expect(compileFlag("f", definition({ targeting: { nope: 1 } })).targeted).toBe(false);
    expect(compileFlag("f", definition({ targeting: { var: "x" } })).targeted).toBe(true);
  });

  test("answers with shared, frozen objects, and leaves the definition alone", () => {
    const variants = { small: { size: 1 }, large: { size: 9 } };
    const flag = compileFlag(
      "shape",
      definition({ variants, defaultVariant: "small", targeting: { var: "pick" } }),
    );
    const first = flag.evaluate({ pick: "large" });
    expect(flag.evaluate({ pick: "large" })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.value)).toBe(true);
    expect(Object.isFrozen(variants.large)).toBe(false);
    expect(flag.kind).toBe("object");
  });
});

describe("compileFlagSet", () => {
  const check = checkDocument({
    flags: {
      banner: { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off" },
    },
    metadata: { flagSetId: "web" },
  });
  const document = (check as { document: FlagdDocument }).document;

  test("evaluates its flags, and answers FLAG_NOT_FOUND with its metadata for others", () => {
    const set = compileFlagSet(document);
    expect(set.evaluate("banner")).toEqual({
      value: false,
      variant: "off",
      reason: "STATIC",
      metadata: { flagSetId: "web" },
    });
    expect(set.evaluate("missing")).toEqual(flagNotFound("missing", { flagSetId: "web" }));
    expect(set.evaluate("missing")).toEqual({
      reason: "ERROR",
      errorCode: "FLAG_NOT_FOUND",
      errorMessage: 'flag "missing" not found',
      metadata: { flagSetId: "web" },
    });
    expect([...set.flags.keys()]).toEqual(["banner"]);
  });
});

describe("requireKind", () => {
  const served = evaluate({});

  test("passes a value of the kind asked for", () => {
    expect(requireKind(served, "string")).toBe(served);
  });

  test("answers TYPE_MISMATCH for a value of another kind", () => {
    expect(requireKind(served, "number")).toEqual({
      reason: "ERROR",
      errorCode: "TYPE_MISMATCH",
      errorMessage: "the flag serves string values, not number",
      metadata: {},
    });
  });

  test("passes answers that carry no value", () => {
    const disabled = evaluate({ state: "DISABLED" });
    expect(requireKind(disabled, "boolean")).toBe(disabled);
  });
});
