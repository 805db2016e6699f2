import { expect, test } from "bun:test";
import { ApiError } from "./api.ts";
import { FieldError, fieldOf } from "./errors.ts";

const apiError = (message: string, code = "VALIDATION") => new ApiError(400, message, code);

test("a message quoting a field belongs next to that field", () => {
  const fields = ["rules.value", "rules.values", "rules"];
  expect(
    fieldOf(
      apiError("'rules.value' deve ser um número entre 0 e 100 para regras PERCENTAGE"),
      fields,
    ),
  ).toBe("rules.value");
  expect(fieldOf(apiError("'rules' deve ser um objeto JSON com o campo 'type'"), fields)).toBe(
    "rules",
  );
});

test("a duplicate flag is about its name, whatever the name is", () => {
  expect(
    fieldOf(new ApiError(409, "Flag 'description' já existe", "FLAG_EXISTS"), [
      "name",
      "description",
    ]),
  ).toBe("name");
});

test("other errors belong to the form as a whole", () => {
  expect(fieldOf(apiError("Corpo da requisição inválido"), ["name"])).toBeUndefined();
  expect(fieldOf(new Error("'name'"), ["name"])).toBeUndefined();
});

test("a message about a part of a field belongs next to that field", () => {
  const error = apiError("'variants.red': must be a string, like the other variants");
  expect(fieldOf(error, ["default_variant", "variants"])).toBe("variants");
  expect(fieldOf(error, ["description"])).toBeUndefined();
});

test("a problem the console found names its field itself", () => {
  const error = new FieldError("definition", "The definition is not valid JSON");
  expect(fieldOf(error, ["name", "definition"])).toBe("definition");
  expect(fieldOf(error, ["name"])).toBeUndefined();
});
