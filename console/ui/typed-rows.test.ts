import { expect, test } from "bun:test";
import { rowsOf, typedValues } from "./typed-rows.ts";

test("values read back as the rows that edit them, each with its type", () => {
  const values = { team: "web", priority: 2, internal: false };
  expect(rowsOf(values)).toEqual([
    { name: "team", type: "text", value: "web" },
    { name: "priority", type: "number", value: "2" },
    { name: "internal", type: "boolean", value: "false" },
  ]);
  expect(typedValues(rowsOf(values))).toEqual({ ok: true, values });
});

test("a reserved name counts as given already", () => {
  expect(typedValues([{ name: " owner ", type: "text", value: "x" }], ["owner"])).toEqual({
    ok: false,
    row: 0,
    problem: '"owner" is given twice',
  });
});
