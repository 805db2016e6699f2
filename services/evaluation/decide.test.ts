import { describe, expect, test } from "bun:test";
import { isFlagName } from "@togglemaster/shared/limits";
import type { Rule } from "@togglemaster/shared/rules";
import { bucketOf } from "./bucket.ts";
import { compileFlag, decide, eventOf, parseRule, parseSnapshot, type Reason } from "./decide.ts";

const flag = (isEnabled: boolean) => ({ name: "f", is_enabled: isEnabled });
const rule = (rules: Rule, isEnabled = true) => ({
  flag_name: "f",
  is_enabled: isEnabled,
  rules,
});

const user = (targetingKey: string) => ({ targetingKey });
const v1 = (value: boolean, reason: Reason) => ({
  value,
  variant: value ? "on" : "off",
  reason,
  metadata: {},
});

describe("v1 flags keep v1's exact results", () => {
  test("a missing flag is FLAG_NOT_FOUND, with no value", () => {
    expect(decide("f", { flag: null, rule: null }, user("u"))).toMatchObject({
      reason: "ERROR",
      errorCode: "FLAG_NOT_FOUND",
    });
    expect(decide("f", { flag: null, rule: null }, user("u")).value).toBeUndefined();
    expect(compileFlag("f", { flag: null, rule: null }).found).toBe(false);
  });

  test("a disabled flag is false whatever its rule", () => {
    const snapshot = { flag: flag(false), rule: rule({ type: "PERCENTAGE", value: 100 }) };
    expect(decide("f", snapshot, user("u"))).toEqual(v1(false, "DISABLED"));
  });

  test("no rule, or a disabled rule, is true for everyone (STATIC)", () => {
    expect(decide("f", { flag: flag(true), rule: null }, user("u"))).toEqual(v1(true, "STATIC"));
    const disabled = { flag: flag(true), rule: rule({ type: "PERCENTAGE", value: 0 }, false) };
    expect(decide("f", disabled, user("u"))).toEqual(v1(true, "STATIC"));
    expect(compileFlag("f", disabled).needsTargetingKey).toBe(false);
  });

  test("PERCENTAGE is true when the user's bucket is below the value (SPLIT)", () => {
    const compiled = compileFlag("enable-new-dashboard", {
      flag: flag(true),
      rule: rule({ type: "PERCENTAGE", value: 71 }),
    });
    expect(compiled.needsTargetingKey).toBe(true);
    expect(compiled.evaluate(user("user-123"))).toEqual(v1(true, "SPLIT")); // bucket 25
    expect(compiled.evaluate(user("user-abc"))).toEqual(v1(false, "SPLIT")); // bucket 71
    expect(compiled.evaluate(user("test-user-1"))).toEqual(v1(false, "SPLIT")); // bucket 81
  });

  test("PERCENTAGE 0 is nobody and 100 is everybody; fractions compare exactly", () => {
    const users = Array.from({ length: 500 }, (_, index) => `user-${index}`);
    const at = (value: number) =>
      compileFlag("f", { flag: flag(true), rule: rule({ type: "PERCENTAGE", value }) });
    expect(users.filter((id) => at(0).evaluate(user(id)).value)).toEqual([]);
    expect(users.every((id) => at(100).evaluate(user(id)).value)).toBe(true);
    const half = at(49.5);
    for (const id of users) expect(half.evaluate(user(id)).value).toBe(bucketOf(id, "f") <= 49);
  });

  test("USER_LIST is true for listed users (TARGETING_MATCH), false otherwise (DEFAULT)", () => {
    const compiled = compileFlag("f", {
      flag: flag(true),
      rule: rule({ type: "USER_LIST", values: ["ana", "bia"] }),
    });
    expect(compiled.evaluate(user("bia"))).toEqual(v1(true, "TARGETING_MATCH"));
    expect(compiled.evaluate(user("carla"))).toEqual(v1(false, "DEFAULT"));
    expect(compiled.evaluate(user("Ana"))).toEqual(v1(false, "DEFAULT"));
  });
});

describe("flagd flags", () => {
  const colours = {
    ...flag(true),
    variants: { red: "#f00", blue: "#00f", green: "#0f0" },
    default_variant: "red",
    metadata: { team: "growth" },
  };
  const fiveConditions = {
    if: [
      {
        and: [
          { "==": [{ var: "country" }, "BR"] },
          { in: [{ var: "plan" }, ["pro", "enterprise"]] },
          { starts_with: [{ var: "email" }, "ana"] },
          { sem_ver: [{ var: "version" }, ">=", "2.1.0"] },
          { ">=": [{ var: "age" }, 18] },
        ],
      },
      "blue",
      null,
    ],
  };
  const targeted = (targeting: object, segments?: Record<string, unknown>) => ({
    flag: colours,
    rule: rule({ type: "JSONLOGIC", targeting } as Rule),
    ...(segments !== undefined && { segments }),
  });

  test("typed variants, the default without targeting (STATIC), metadata", () => {
    const compiled = compileFlag("colour", { flag: colours, rule: null });
    expect(compiled.kind).toBe("string");
    expect(compiled.evaluate({})).toEqual({
      value: "#f00",
      variant: "red",
      reason: "STATIC",
      metadata: { team: "growth" },
    });
  });

  test("attribute targeting: a match (TARGETING_MATCH), a miss falls back (DEFAULT)", () => {
    const compiled = compileFlag("colour", targeted(fiveConditions));
    const match = {
      targetingKey: "u",
      country: "BR",
      plan: "pro",
      email: "ana@x.io",
      version: "2.3.0",
      age: 30,
    };
    expect(compiled.evaluate(match)).toMatchObject({
      value: "#00f",
      variant: "blue",
      reason: "TARGETING_MATCH",
    });
    expect(compiled.evaluate({ ...match, version: "2.0.9" })).toMatchObject({
      value: "#f00",
      variant: "red",
      reason: "DEFAULT",
    });
  });

  test("segments are resolved by $ref", () => {
    const compiled = compileFlag(
      "colour",
      targeted(
        { if: [{ $ref: "brazil" }, "green", null] },
        { brazil: { "==": [{ var: "country" }, "BR"] } },
      ),
    );
    expect(compiled.evaluate({ country: "BR" })).toMatchObject({ variant: "green" });
    expect(compiled.evaluate({ country: "PT" })).toMatchObject({
      variant: "red",
      reason: "DEFAULT",
    });
  });

  test("targeting that cannot be evaluated answers PARSE_ERROR, without a value", () => {
    for (const targeting of [{ no_such_op: [1] }, { if: [{ $ref: "missing" }, "blue", null] }]) {
      const evaluation = compileFlag("colour", targeted(targeting)).evaluate({});
      expect(evaluation).toMatchObject({ reason: "ERROR", errorCode: "PARSE_ERROR" });
      expect(evaluation.value).toBeUndefined();
    }
  });

  test("a disabled flagd flag answers DISABLED with no value (the caller's default)", () => {
    const evaluation = compileFlag("colour", {
      flag: { ...colours, is_enabled: false },
      rule: null,
    }).evaluate({});
    expect(evaluation).toEqual({ reason: "DISABLED", metadata: { team: "growth" } });
  });

  test("a v1 flag with JsonLogic targeting is a boolean flag with variants on/off", () => {
    const compiled = compileFlag("f", {
      flag: flag(true),
      rule: rule({
        type: "JSONLOGIC",
        targeting: { if: [{ "==": [{ var: "plan" }, "free"] }, "off", "on"] },
      } as Rule),
    });
    expect(compiled.kind).toBe("boolean");
    expect(compiled.evaluate({ plan: "free" })).toMatchObject({ value: false, variant: "off" });
    expect(compiled.evaluate({ plan: "pro" })).toMatchObject({ value: true, variant: "on" });
  });

  test("a v1 rule on a flag with variants decides as its exported JsonLogic: v1's buckets", () => {
    const switches = { ...flag(true), variants: { on: true, off: false }, default_variant: "off" };
    const percentage = compileFlag("enable-new-dashboard", {
      flag: switches,
      rule: rule({ type: "PERCENTAGE", value: 71 }),
    });
    for (const [id, expected] of [
      ["user-123", true],
      ["user-abc", false],
      ["test-user-1", false],
    ] as const)
      expect(percentage.evaluate(user(id)).value).toBe(expected);
    const users = Array.from({ length: 300 }, (_, index) => `user-${index}`);
    for (const id of users)
      expect(percentage.evaluate(user(id)).value).toBe(bucketOf(id, "enable-new-dashboard") < 71);
    const listed = compileFlag("f", {
      flag: switches,
      rule: rule({ type: "USER_LIST", values: ["ana"] }),
    });
    expect(listed.evaluate(user("ana")).value).toBe(true);
    expect(listed.evaluate(user("bia")).value).toBe(false);
  });
});

describe("events", () => {
  test("a boolean answer is its result; other kinds record no result; no variant says why", () => {
    expect(eventOf("boolean", v1(true, "SPLIT"))).toEqual({ result: true, variant: "on" });
    expect(eventOf("string", { value: "#f00", variant: "red", reason: "STATIC" })).toEqual({
      result: null,
      variant: "red",
    });
    expect(eventOf("boolean", { reason: "DISABLED" })).toEqual({
      result: false,
      variant: "(disabled)",
    });
    expect(eventOf("boolean", { reason: "ERROR", errorCode: "FLAG_NOT_FOUND" })).toEqual({
      result: false,
      variant: "(flag_not_found)",
    });
  });
});

describe("parsing what upstream and Redis hold", () => {
  test("a snapshot round-trips through JSON", () => {
    const snapshot = { flag: flag(true), rule: rule({ type: "USER_LIST", values: ["a"] }) };
    expect(parseSnapshot(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
    expect(parseSnapshot({ flag: null, rule: null })).toEqual({ flag: null, rule: null });
  });

  test.each([
    ["no rule key", { flag: { is_enabled: true } }],
    ["a flag without is_enabled", { flag: { name: "f" }, rule: null }],
    [
      "an unknown rule type",
      { flag: { is_enabled: true }, rule: { is_enabled: true, rules: { type: "X" } } },
    ],
    ["not an object", [1]],
  ])("%s is not a snapshot", (_, value) => {
    expect(parseSnapshot(value)).toBeUndefined();
  });

  test("a rule out of range is refused", () => {
    expect(
      parseRule({ is_enabled: true, rules: { type: "PERCENTAGE", value: 101 } }),
    ).toBeUndefined();
  });

  test.each([
    ["enable-new-dashboard", true],
    ["a.b:c_d-e", true],
    ["...", true],
    [".", false],
    ["..", false],
    ["a/b", false],
    ["x".repeat(101), false],
  ])("%p can be a flag name: %p", (name, valid) => {
    expect(isFlagName(name)).toBe(valid);
  });
});
