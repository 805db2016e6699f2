import { describe, expect, test } from "bun:test";
import type { JsonObject } from "./flagd/document.ts";
import { MAX_JSON_DEPTH } from "./json.ts";
import {
  checkRule,
  MAX_USER_LIST,
  type Rule,
  ruleOf,
  targetingOf,
  V1_BUCKET_OPERATOR,
} from "./rules.ts";

describe("checkRule", () => {
  test.each([
    [{ type: "PERCENTAGE", value: 0 }],
    [{ type: "PERCENTAGE", value: 100 }],
    [{ type: "PERCENTAGE", value: 33.5 }],
    [{ type: "USER_LIST", values: [] }],
    [{ type: "USER_LIST", values: ["a", "ção"] }],
  ])("accepts %j", (document) => {
    expect(checkRule(document)).toEqual({ ok: true, rule: document as never });
  });

  test("drops unknown fields", () => {
    expect(checkRule({ type: "PERCENTAGE", value: 5, extra: true })).toEqual({
      ok: true,
      rule: { type: "PERCENTAGE", value: 5 },
    });
  });

  test.each([
    [null, "'rules' deve ser um objeto"],
    [[], "'rules' deve ser um objeto"],
    [{}, "'rules.type' é obrigatório"],
    [{ type: "percentage", value: 5 }, 'Tipo de regra desconhecido: "percentage"'],
    [{ type: "PERCENTAGE" }, "'rules.value'"],
    [{ type: "PERCENTAGE", value: Number.NaN }, "'rules.value'"],
    [{ type: "PERCENTAGE", value: 100.01 }, "'rules.value'"],
    [{ type: "USER_LIST", values: "u1" }, "'rules.values'"],
    [{ type: "USER_LIST", values: ["x".repeat(257)] }, "'rules.values'"],
    [{ type: "USER_LIST", values: Array(MAX_USER_LIST + 1).fill("u") }, "no máximo"],
  ])("rejects %j naming the problem", (document, problem) => {
    const check = checkRule(document);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problem).toContain(problem);
  });
});

describe("JSONLOGIC rules", () => {
  test.each([
    [{ type: "JSONLOGIC", targeting: {} }],
    [
      {
        type: "JSONLOGIC",
        targeting: {
          fractional: [
            ["a", 50],
            ["b", 50],
          ],
        },
      },
    ],
    // flagd stores what fails only when evaluated: an unknown operator, a dangling $ref.
    [{ type: "JSONLOGIC", targeting: { no_such_operator: [1] } }],
    [{ type: "JSONLOGIC", targeting: { if: [{ $ref: "missing" }, "on", "off"] } }],
  ])("accepts %j", (document) => {
    expect(checkRule(document)).toEqual({ ok: true, rule: document as never });
  });

  const nested = (depth: number): unknown => (depth === 0 ? 1 : { and: [nested(depth - 1)] });

  test.each([
    [{ type: "JSONLOGIC" }, "'rules.targeting' deve ser um objeto JsonLogic"],
    [{ type: "JSONLOGIC", targeting: [1] }, "'rules.targeting' deve ser um objeto JsonLogic"],
    [{ type: "JSONLOGIC", targeting: "x" }, "'rules.targeting' deve ser um objeto JsonLogic"],
    [{ type: "JSONLOGIC", targeting: nested(MAX_JSON_DEPTH) }, `mais de ${MAX_JSON_DEPTH} níveis`],
  ])("rejects %j naming the problem", (document, problem) => {
    const check = checkRule(document);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problem).toContain(problem);
  });

  test("accepts targeting nested just within the bound", () => {
    // Each level of `nested` is an object and an array: two levels of JSON.
    expect(checkRule({ type: "JSONLOGIC", targeting: nested(MAX_JSON_DEPTH / 2) }).ok).toBe(true);
  });
});

describe("rules as flagd targeting", () => {
  const v1Rules: Rule[] = [
    { type: "PERCENTAGE", value: 0 },
    { type: "PERCENTAGE", value: 33.5 },
    { type: "PERCENTAGE", value: 100 },
    { type: "USER_LIST", values: [] },
    { type: "USER_LIST", values: ["ana", 'it\'s "quoted"', "ção"] },
  ];

  test.each(v1Rules)("v1 rule %j reads back as itself", (rule) => {
    expect(ruleOf(targetingOf(rule))).toEqual(rule);
  });

  test("USER_LIST is targetingKey in the list, PERCENTAGE the v1 bucket below the value", () => {
    expect(targetingOf({ type: "USER_LIST", values: ["a", "b"] })).toEqual({
      if: [{ in: [{ var: "targetingKey" }, ["a", "b"]] }, "on", "off"],
    });
    expect(targetingOf({ type: "PERCENTAGE", value: 25 })).toEqual({
      if: [{ "<": [{ [V1_BUCKET_OPERATOR]: [] }, 25] }, "on", "off"],
    });
  });

  test("JSONLOGIC targeting is itself", () => {
    const targeting = { starts_with: [{ var: "email" }, "admin"] };
    expect(targetingOf({ type: "JSONLOGIC", targeting })).toBe(targeting);
  });

  test.each([
    ["other variants", { if: [{ in: [{ var: "targetingKey" }, ["a"]] }, "yes", "no"] }],
    ["another attribute", { if: [{ in: [{ var: "email" }, ["a"]] }, "on", "off"] }],
    ["a list of numbers", { if: [{ in: [{ var: "targetingKey" }, [1]] }, "on", "off"] }],
    ["a substring test", { if: [{ in: [{ var: "targetingKey" }, "abc"] }, "on", "off"] }],
    ["a percentage over 100", { if: [{ "<": [{ [V1_BUCKET_OPERATOR]: [] }, 101] }, "on", "off"] }],
    ["bucket arguments", { if: [{ "<": [{ [V1_BUCKET_OPERATOR]: [1] }, 5] }, "on", "off"] }],
    [
      "a comparison the other way",
      { if: [{ ">": [{ [V1_BUCKET_OPERATOR]: [] }, 5] }, "on", "off"] },
    ],
    ["an extra branch", { if: [{ in: [{ var: "targetingKey" }, ["a"]] }, "on", "off", "x"] }],
    ["an extra key", { if: [{ in: [{ var: "targetingKey" }, ["a"]] }, "on", "off"], x: 1 }],
  ])("targeting close to a v1 shape but with %s stays JSONLOGIC", (_, targeting) => {
    expect(ruleOf(targeting as JsonObject)).toEqual({ type: "JSONLOGIC", targeting } as Rule);
  });
});
