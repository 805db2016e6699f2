import { describe, expect, test } from "bun:test";
import { checkDocument, type FlagDefinition } from "@togglemaster/shared/flagd/document";
import { MAX_JSON_DEPTH } from "@togglemaster/shared/json";
import {
  checkImport,
  definesSame,
  exportDocument,
  type FlagSettings,
  settingsFrom,
  settingsProblem,
} from "./flagd-format.ts";
import type { Flag } from "./store.ts";

const definition = (flag: Record<string, unknown>): FlagDefinition => {
  const check = checkDocument({ flags: { f: flag } });
  if (!check.ok) throw new Error(JSON.stringify(check.problem));
  return check.document.flags.f as FlagDefinition;
};

const v1: FlagSettings = { is_enabled: true, variants: null, default_variant: null, metadata: {} };
const ON_OFF = { on: true, off: false };

describe("flags in flagd terms", () => {
  test("a flagd flag defined exactly as a v1 flag reads is stored as one", () => {
    expect(
      settingsFrom(
        definition({ state: "ENABLED", variants: { off: false, on: true }, defaultVariant: "on" }),
      ),
    ).toEqual(v1);
    expect(
      settingsFrom(
        definition({
          state: "DISABLED",
          variants: ON_OFF,
          defaultVariant: "on",
          metadata: { a: 1 },
        }),
      ),
    ).toEqual({ ...v1, is_enabled: false, metadata: { a: 1 } });
  });

  test.each([
    ["another default", { state: "ENABLED", variants: ON_OFF, defaultVariant: "off" }],
    ["no default", { state: "ENABLED", variants: ON_OFF }],
    [
      "other values",
      { state: "ENABLED", variants: { on: "yes", off: "no" }, defaultVariant: "on" },
    ],
  ])("on/off with %s keeps its variants", (_, flag) => {
    expect(settingsFrom(definition(flag)).variants).toEqual(flag.variants);
  });

  test("a stored flag is compared as flagd reads it, key order aside", () => {
    expect(
      definesSame(
        v1,
        definition({ state: "ENABLED", variants: { off: false, on: true }, defaultVariant: "on" }),
      ),
    ).toBe(true);
    expect(
      definesSame(v1, definition({ state: "DISABLED", variants: ON_OFF, defaultVariant: "on" })),
    ).toBe(false);
    const stored: FlagSettings = {
      is_enabled: false,
      variants: { b: { x: 1, y: 2 }, a: { y: 1, x: 2 } },
      default_variant: null,
      metadata: { k: "v" },
    };
    expect(
      definesSame(
        stored,
        definition({
          state: "DISABLED",
          variants: { a: { x: 2, y: 1 }, b: { y: 2, x: 1 } },
          defaultVariant: "",
          metadata: { k: "v" },
        }),
      ),
    ).toBe(true);
    expect(
      definesSame(
        stored,
        definition({
          state: "DISABLED",
          variants: stored.variants as object,
          defaultVariant: "a",
          metadata: { k: "v" },
        }),
      ),
    ).toBe(false);
    expect(
      definesSame(stored, definition({ state: "DISABLED", variants: stored.variants as object })),
    ).toBe(false);
  });
});

describe("settings of the flag routes", () => {
  test.each([
    [
      { variants: { "a/b": 1, c: "x" } },
      "'variants.c': must be a number, like the flag's other variants (variants of a flag share one type)",
    ],
    [
      { variants: { a: 1 }, default_variant: "b" },
      `'default_variant': names no variant of the flag: "b"`,
    ],
    [{ metadata: { "x~y": [] } }, "'metadata.x~y': must be a string, a number or a boolean"],
  ])("%j: %s", (settings, problem) => {
    expect(settingsProblem("f", { ...v1, ...settings })).toBe(problem);
  });

  test("variants nested too deeply are refused", () => {
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_JSON_DEPTH; i++) deep = { next: deep };
    expect(settingsProblem("f", { ...v1, variants: { a: deep } })).toStartWith(
      "'variants.a': nests more than",
    );
    expect(settingsProblem("f", { ...v1, variants: { a: { next: 1 } } })).toBeUndefined();
  });
});

describe("documents to import", () => {
  const problemOf = (input: unknown) => {
    const check = checkImport(input);
    return check.ok ? undefined : check.problem;
  };
  const nested = (levels: number) => {
    let value: unknown = true;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };
  const TOO_DEEP = `nests more than ${MAX_JSON_DEPTH} levels of arrays and objects`;

  test.each([
    ["just beyond the bound", MAX_JSON_DEPTH + 1],
    ["far beyond it (flagd's checks would exhaust the stack)", 50_000],
  ])("targeting nested %s is refused at the targeting", (_, levels) => {
    const targeting = { if: nested(levels - 1) };
    expect(problemOf({ flags: { f: { state: "ENABLED", variants: ON_OFF, targeting } } })).toEqual({
      flag: "f",
      pointer: "/flags/f/targeting",
      message: TOO_DEEP,
    });
  });

  test("variants and evaluators nested too deeply are refused where they are", () => {
    const variants = { deep: { x: nested(MAX_JSON_DEPTH) } };
    expect(problemOf({ flags: { f: { state: "ENABLED", variants } } })).toMatchObject({
      flag: "f",
      pointer: "/flags/f/variants/deep",
    });
    expect(problemOf({ flags: {}, $evaluators: { e: { x: nested(50_000) } } })).toEqual({
      pointer: "/$evaluators/e",
      message: TOO_DEEP,
    });
  });

  test("text PostgreSQL cannot store is refused where it is, before anything is written", () => {
    const variants = { on: "fine", off: "not\u0000fine" };
    expect(problemOf({ flags: { f: { state: "ENABLED", variants } } })).toEqual({
      flag: "f",
      pointer: "/flags/f/variants/off",
      message: "holds text that cannot be stored (a NUL character or a lone surrogate)",
    });
    expect(problemOf({ flags: {}, $evaluators: { e: { "\ud800": 1 } } })).toMatchObject({
      pointer: "/$evaluators/e/\ud800",
    });
  });

  test("names must be names a URL carries; the rest passes", () => {
    expect(problemOf({ flags: {}, $evaluators: { "a b": {} } })).toMatchObject({
      pointer: "/$evaluators/a b",
    });
    const fine = { flags: { ok: { state: "ENABLED", variants: ON_OFF } }, $evaluators: { ok: {} } };
    expect(checkImport(fine).ok).toBe(true);
  });
});

describe("exportDocument", () => {
  const flag = (name: string, settings: Partial<FlagSettings> = {}): Flag => ({
    id: 1,
    name,
    description: "",
    is_enabled: true,
    created_at: "",
    updated_at: "",
    ...settings,
  });

  test("leaves out what flagd reads as absent, and rules of flags it does not have", () => {
    const exported = exportDocument(
      [flag("plain"), flag("typed", { variants: { a: 1 }, default_variant: null, metadata: {} })],
      [
        { flag_name: "plain", is_enabled: false, rules: { type: "PERCENTAGE", value: 5 } },
        {
          flag_name: "typed",
          is_enabled: true,
          rules: { type: "JSONLOGIC", targeting: { if: [true, "a", null] } },
        },
        { flag_name: "orphan", is_enabled: true, rules: { type: "USER_LIST", values: ["x"] } },
      ],
      [],
      {},
    );
    expect(exported).toEqual({
      flags: {
        plain: { state: "ENABLED", variants: ON_OFF, defaultVariant: "on" },
        typed: { state: "ENABLED", variants: { a: 1 }, targeting: { if: [true, "a", null] } },
      },
    });
  });

  test("segments are $evaluators and the flag set's metadata is the document's", () => {
    expect(
      exportDocument([], [], [{ name: "staff", definition: { "==": [1, 1] }, description: "" }], {
        version: "1",
      }),
    ).toEqual({ flags: {}, $evaluators: { staff: { "==": [1, 1] } }, metadata: { version: "1" } });
  });
});
