import { describe, expect, test } from "bun:test";
import { pathBeyond, pathToUnstorableText, sameJson } from "./json.ts";

describe("sameJson", () => {
  test.each([
    [
      { a: 1, b: [1, { c: null }] },
      { b: [1, { c: null }], a: 1 },
    ],
    [[], []],
    ["x", "x"],
    [null, null],
  ])("%j equals %j", (a, b) => {
    expect(sameJson(a, b)).toBe(true);
  });

  test.each([
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: 1, b: 2 }, { a: 1 }],
    [
      [1, 2],
      [2, 1],
    ],
    [{ a: undefined }, { b: undefined }],
    [{}, []],
    [1, "1"],
    [null, {}],
  ])("%j differs from %j", (a, b) => {
    expect(sameJson(a, b)).toBe(false);
  });
});

describe("pathBeyond", () => {
  test.each([
    [1, 0, undefined],
    [{}, 1, undefined],
    [{}, 0, []],
    [[[], {}], 2, undefined],
    [{ a: 1, b: [{ c: {} }] }, 2, ["b", "0"]],
    [{ a: 1, b: [{ c: {} }] }, 3, ["b", "0", "c"]],
    [{ a: 1, b: [{ c: {} }] }, 4, undefined],
  ])("%j beyond %d levels: %j", (value, limit, path) => {
    expect(pathBeyond(value, limit)).toEqual(path as string[] | undefined);
  });

  test("looks no deeper than the limit", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(pathBeyond(deep, 5)).toEqual(["0", "0", "0", "0", "0"]);
  });
});

describe("pathToUnstorableText", () => {
  test.each([
    [{ a: ["ok", "x\u0000"] }, ["a", "1"]],
    [{ "k\u0000": 1 }, ["k\u0000"]],
    [{ a: { b: "\ud800" } }, ["a", "b"]],
    [{ a: "\udc00x" }, ["a"]],
    [{ a: "😀 ção", b: [1, null, true] }, undefined],
  ])("%j: %j", (value, path) => {
    expect(pathToUnstorableText(value)).toEqual(path as string[] | undefined);
  });
});
