import { expect, test } from "bun:test";
import {
  draftOf,
  isBooleanFlag,
  isV1,
  newDraft,
  retype,
  V1_DRAFT,
  type VariantsDraft,
  variantNames,
  variantsOf,
  withoutRow,
} from "./variants.ts";

test("a flag's variants read back as the rows that edit them, of each type", () => {
  for (const [variants, defaultVariant] of [
    [{ classic: "#333", ocean: "#06c" }, "ocean"],
    [{ small: 10, large: 100.5 }, "small"],
    [{ yes: true, no: false }, null],
    [{ light: { bg: "#fff" }, dark: { bg: "#000", contrast: [1, 2] } }, "dark"],
  ] as const) {
    const draft = draftOf(variants, defaultVariant);
    expect(variantsOf(draft)).toEqual({ ok: true, variants, defaultVariant });
  }
});

test("a v1 flag edits as on (true, the default) and off (false)", () => {
  expect(draftOf(undefined, undefined)).toEqual(V1_DRAFT);
  expect(variantsOf(V1_DRAFT)).toEqual({
    ok: true,
    variants: { on: true, off: false },
    defaultVariant: "on",
  });
});

test("names are trimmed; a missing or repeated name names its row", () => {
  const draft = (names: string[]): VariantsDraft => ({
    type: "string",
    rows: names.map((name) => ({ name, value: "v" })),
    defaultRow: 0,
  });
  expect(variantsOf(draft([" blue ", "red"]))).toMatchObject({
    ok: true,
    variants: { blue: "v", red: "v" },
    defaultVariant: "blue",
  });
  expect(variantsOf(draft(["a", " "]))).toEqual({
    ok: false,
    row: 1,
    field: "name",
    problem: "Give this variant a name.",
  });
  expect(variantsOf(draft(["a", "b", "a "]))).toEqual({
    ok: false,
    row: 2,
    field: "name",
    problem: '"a" is given twice.',
  });
  expect(variantsOf({ ...draft([]), defaultRow: null })).toEqual({
    ok: false,
    problem: "Add at least one variant.",
  });
});

test("a value that is not of the flag's type names its row and says why", () => {
  const one = (type: VariantsDraft["type"], value: string) =>
    variantsOf({ type, rows: [{ name: "x", value }], defaultRow: null });
  expect(one("number", "ten")).toEqual({
    ok: false,
    row: 0,
    field: "value",
    problem: 'The value of x must be a number ("ten" is not one).',
  });
  expect(one("number", " ")).toMatchObject({ ok: false, row: 0 });
  expect(one("boolean", "yes")).toMatchObject({
    ok: false,
    problem: "The value of x must be true or false.",
  });
  expect(one("object", "[1]")).toMatchObject({
    problem: "The value of x must be a JSON object, in braces.",
  });
  expect(one("object", "{nope")).toMatchObject({ ok: false, row: 0 });
  expect(one("string", "")).toEqual({ ok: true, variants: { x: "" }, defaultVariant: null });
});

test("removing a row keeps the default on its variant, or clears it with its own row", () => {
  const draft: VariantsDraft = {
    type: "string",
    rows: ["a", "b", "c"].map((name) => ({ name, value: name })),
    defaultRow: 1,
  };
  expect(withoutRow(draft, 0)).toMatchObject({
    defaultRow: 0,
    rows: [{ name: "b" }, { name: "c" }],
  });
  expect(withoutRow(draft, 2).defaultRow).toBe(1);
  expect(withoutRow(draft, 1).defaultRow).toBeNull();
});

test("another type keeps the names; booleans alternate true and false", () => {
  const draft = retype(newDraft(), "boolean");
  expect(draft.rows).toEqual([
    { name: "", value: "true" },
    { name: "", value: "false" },
  ]);
  expect(retype({ ...draft, rows: [{ name: "n", value: "5" }] }, "number").rows).toEqual([
    { name: "n", value: "5" },
  ]);
});

test("a flag's variant names and whether it is a boolean flag", () => {
  expect([variantNames({}), isBooleanFlag({}), isV1({ variants: null })]).toEqual([
    ["on", "off"],
    true,
    true,
  ]);
  const theme = { variants: { classic: "#333", ocean: "#06c" } };
  expect([variantNames(theme), isBooleanFlag(theme), isV1(theme)]).toEqual([
    ["classic", "ocean"],
    false,
    false,
  ]);
  expect(isBooleanFlag({ variants: { yes: true, no: false } })).toBe(true);
});
