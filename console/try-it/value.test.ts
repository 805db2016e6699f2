import { expect, test } from "bun:test";
import { describeValue } from "./value.ts";

test("each type of value reads as itself, with its type", () => {
  const of = (value: unknown) => describeValue({ key: "f", value });
  expect(of(true)).toEqual({ text: "true", type: "boolean" });
  expect(of("true")).toEqual({ text: "true", type: "string" });
  expect(of("#06c")).toEqual({ text: "#06c", type: "string" });
  expect(of(0)).toEqual({ text: "0", type: "number" });
  expect(of(2.5)).toEqual({ text: "2.5", type: "number" });
  expect(of({ theme: { dark: true } })).toEqual({
    text: '{\n  "theme": {\n    "dark": true\n  }\n}',
    type: "object",
  });
});

test("an answer without a value has nothing to show", () => {
  expect(describeValue({ key: "f", reason: "DISABLED" })).toBeUndefined();
});
