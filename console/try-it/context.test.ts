import { expect, test } from "bun:test";
import { buildContext } from "./context.ts";

test("the targeting key and typed attributes make the context", () => {
  expect(
    buildContext(" user-7 ", [
      { name: "country", type: "text", value: "BR" },
      { name: "age", type: "number", value: "42" },
      { name: "beta", type: "boolean", value: "true" },
      { name: "", type: "text", value: "ignored" },
    ]),
  ).toEqual({
    ok: true,
    context: { targetingKey: "user-7", country: "BR", age: 42, beta: true },
  });
});

test("without a targeting key the context has none", () => {
  expect(buildContext("  ", [])).toEqual({ ok: true, context: {} });
});

test("a value that is not of its type names its row", () => {
  expect(buildContext("u", [{ name: "age", type: "number", value: "forty" }])).toEqual({
    ok: false,
    row: 0,
    problem: '"forty" is not a number',
  });
  expect(buildContext("u", [{ name: "age", type: "number", value: " " }]).ok).toBe(false);
  expect(
    buildContext("u", [
      { name: "a", type: "text", value: "" },
      { name: "beta", type: "boolean", value: "yes" },
    ]),
  ).toMatchObject({ ok: false, row: 1 });
});

test("an attribute given twice, or one shadowing the targeting key, is refused", () => {
  expect(
    buildContext("u", [
      { name: "plan", type: "text", value: "a" },
      { name: "plan", type: "text", value: "b" },
    ]),
  ).toMatchObject({ ok: false, row: 1 });
  expect(buildContext("u", [{ name: "targetingKey", type: "text", value: "v" }])).toMatchObject({
    ok: false,
    row: 0,
  });
});
