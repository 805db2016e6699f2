import { describe, expect, test } from "bun:test";
import type { Rule } from "@togglemaster/shared/rules";
import { bucketOf } from "./bucket.ts";
import { compileFlag, decide, FLAG_NAME, parseRule, parseSnapshot } from "./decide.ts";

const flag = (isEnabled: boolean) => ({ name: "f", is_enabled: isEnabled });
const rule = (rules: Rule, isEnabled = true) => ({
  flag_name: "f",
  is_enabled: isEnabled,
  rules,
});

describe("decide", () => {
  test("a missing flag is false, reason FLAG_NOT_FOUND", () => {
    expect(decide("f", { flag: null, rule: null }, "u")).toEqual({
      result: false,
      reason: "FLAG_NOT_FOUND",
    });
    expect(compileFlag("f", { flag: null, rule: null }).found).toBe(false);
  });

  test("a disabled flag is false whatever its rule", () => {
    const snapshot = { flag: flag(false), rule: rule({ type: "PERCENTAGE", value: 100 }) };
    expect(decide("f", snapshot, "u")).toEqual({ result: false, reason: "DISABLED" });
  });

  test("no rule, or a disabled rule, is true for everyone (STATIC)", () => {
    expect(decide("f", { flag: flag(true), rule: null }, "u")).toEqual({
      result: true,
      reason: "STATIC",
    });
    const disabled = { flag: flag(true), rule: rule({ type: "PERCENTAGE", value: 0 }, false) };
    expect(decide("f", disabled, "u")).toEqual({ result: true, reason: "STATIC" });
    expect(compileFlag("f", disabled).targeted).toBe(false);
  });

  test("PERCENTAGE is true when the user's bucket is below the value (SPLIT)", () => {
    const compiled = compileFlag("enable-new-dashboard", {
      flag: flag(true),
      rule: rule({ type: "PERCENTAGE", value: 71 }),
    });
    expect(compiled.targeted).toBe(true);
    expect(compiled.decide("user-123")).toEqual({ result: true, reason: "SPLIT" }); // bucket 25
    expect(compiled.decide("user-abc")).toEqual({ result: false, reason: "SPLIT" }); // bucket 71
    expect(compiled.decide("test-user-1")).toEqual({ result: false, reason: "SPLIT" }); // bucket 81
  });

  test("PERCENTAGE 0 is nobody and 100 is everybody; fractions compare exactly", () => {
    const users = Array.from({ length: 500 }, (_, index) => `user-${index}`);
    const at = (value: number) =>
      compileFlag("f", { flag: flag(true), rule: rule({ type: "PERCENTAGE", value }) });
    expect(users.filter((user) => at(0).decide(user).result)).toEqual([]);
    expect(users.every((user) => at(100).decide(user).result)).toBe(true);
    const half = at(49.5);
    for (const user of users) expect(half.decide(user).result).toBe(bucketOf(user, "f") <= 49);
  });

  test("USER_LIST is true for listed users (TARGETING_MATCH), false otherwise (DEFAULT)", () => {
    const compiled = compileFlag("f", {
      flag: flag(true),
      rule: rule({ type: "USER_LIST", values: ["ana", "bia"] }),
    });
    expect(compiled.decide("bia")).toEqual({ result: true, reason: "TARGETING_MATCH" });
    expect(compiled.decide("carla")).toEqual({ result: false, reason: "DEFAULT" });
    expect(compiled.decide("Ana")).toEqual({ result: false, reason: "DEFAULT" });
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
    expect(FLAG_NAME.test(name)).toBe(valid);
  });
});
