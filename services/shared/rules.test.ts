import { describe, expect, test } from "bun:test";
import { checkRule, MAX_USER_LIST } from "./rules.ts";

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
