import { expect, test } from "bun:test";
import { FieldError } from "../errors.ts";
import { formatJson, parseJson } from "./json.ts";

test("JSON typed in a field reads as its value, whatever its shape", () => {
  expect(parseJson(formatJson({ in: ["a", { var: "x" }] }), "f", "the rule")).toEqual({
    in: ["a", { var: "x" }],
  });
  expect(parseJson(" [1] ", "f", "the rule")).toEqual([1]);
});

test("text that is not JSON is a problem of its field, saying what it is", () => {
  const problem = (text: string) => {
    try {
      parseJson(text, "rules.targeting", "the targeting");
    } catch (error) {
      return error instanceof FieldError ? [error.field, error.message] : error;
    }
  };
  expect(problem("  ")).toEqual(["rules.targeting", "Write the targeting as JSON."]);
  expect(problem("{nope")).toEqual([
    "rules.targeting",
    expect.stringMatching(/^The targeting is not valid JSON: ./),
  ]);
});
