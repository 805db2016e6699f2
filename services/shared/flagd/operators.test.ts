import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import * as semver from "semver";
import {
  bucketPoint,
  bucketWeight,
  chooseBucket,
  compareVersions,
  endsWith,
  MAX_TOTAL_WEIGHT,
  parseVersion,
  semVer,
  startsWith,
} from "./operators.ts";

describe("starts_with and ends_with", () => {
  test("compare strings", () => {
    expect(startsWith("192.168.0.1", "192.168")).toBe(true);
    expect(startsWith("10.0.0.1", "192.168")).toBe(false);
    expect(endsWith("noreply@example.com", "@example.com")).toBe(true);
    expect(endsWith("noreply@example.com", "@test.com")).toBe(false);
  });

  test.each([
    [123, "1"],
    ["123", 1],
    [null, "a"],
    [undefined, "a"],
    [["a"], "a"],
  ])("answer null, not false, for %j and %j", (value, affix) => {
    expect(startsWith(value, affix)).toBeNull();
    expect(endsWith(value, affix)).toBeNull();
  });
});

describe("parseVersion", () => {
  test.each([
    ["1.2.3", [1, 2, 3, []]],
    ["v1.2.3", [1, 2, 3, []]],
    ["V1.2.3", [1, 2, 3, []]],
    ["1.0.0-alpha.1.x-y", [1, 0, 0, ["alpha", 1, "x-y"]]],
    ["1.0.0+build.007", [1, 0, 0, []]],
    ["1.0.0-rc.1+build", [1, 0, 0, ["rc", 1]]],
    ["1", [1, 0, 0, []]],
    ["1.2", [1, 2, 0, []]],
    ["01.2", [1, 2, 0, []]],
    [1.2, [1, 2, 0, []]],
    [2, [2, 0, 0, []]],
  ] as const)("reads %j", (raw, [major, minor, patch, prerelease]) => {
    expect(parseVersion(raw)).toEqual({ major, minor, patch, prerelease: [...prerelease] });
  });

  test.each(
    [
      "",
      "v",
      "not-a-version",
      "2.0.0.0",
      "1.",
      "1.2.",
      "01.2.3",
      "1.02.3",
      "1.2.3-",
      "1.2.3-01",
      "1.2.3-a..b",
      "1.2.3+",
      "1.2.3+a+b",
      "1-alpha",
      " 1.2.3",
      "1.2.3 ",
      "vv1.2.3",
      "99999999999999999.0.0",
      true,
      null,
      ["1.0.0"],
      Number.NaN,
    ].map((raw) => [raw]),
  )("refuses %j", (raw) => {
    expect(parseVersion(raw)).toBeNull();
  });

  test("reads full versions as node-semver does", () => {
    const identifier = fc.oneof(
      fc.nat({ max: 30 }).map(String),
      fc.constantFrom("alpha", "beta", "rc", "x-1", "0a", "00", "01"),
    );
    const version = fc
      .tuple(
        fc.array(fc.oneof(fc.nat({ max: 12 }).map(String), fc.constantFrom("00", "07", "")), {
          minLength: 3,
          maxLength: 3,
        }),
        fc.option(fc.array(identifier, { minLength: 0, maxLength: 3 })),
        fc.option(fc.array(identifier, { minLength: 1, maxLength: 2 })),
      )
      .map(
        ([core, pre, build]) =>
          core.join(".") +
          (pre === null ? "" : `-${pre.join(".")}`) +
          (build === null ? "" : `+${build.join(".")}`),
      );
    fc.assert(
      fc.property(version, version, (left, right) => {
        const a = parseVersion(left);
        const b = parseVersion(right);
        expect(a === null).toBe(semver.parse(left) === null);
        if (a !== null && b !== null && semver.parse(right) !== null)
          expect(Math.sign(compareVersions(a, b))).toBe(semver.compare(left, right));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("compareVersions", () => {
  test("orders by SemVer 2.0.0 precedence, ignoring build metadata", () => {
    const ordered = [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "1.0.1",
      "1.1.0",
      "2.0.0",
    ].map((text) => parseVersion(text) ?? expect.unreachable(text));
    ordered.forEach((version, index) => {
      ordered.forEach((other, otherIndex) => {
        expect(Math.sign(compareVersions(version, other))).toBe(Math.sign(index - otherIndex));
      });
    });
    const build = parseVersion("1.0.0+other") ?? expect.unreachable();
    expect(compareVersions(build, parseVersion("1.0.0+build") ?? expect.unreachable())).toBe(0);
  });
});

describe("semVer", () => {
  test.each([
    ["2.0.0", "=", "2.0.0", true],
    ["2.1.0", ">", "2.0.0", true],
    ["1.9.0", "<", "2.0.0", true],
    ["2.0.0-alpha", "<", "2.0.0", true],
    ["2.0.0", "!=", "2.0.0", false],
    ["2.0.0", ">=", "2.0.0", true],
    ["2.0.0", "<=", "1.0.0", false],
    ["3.0.1", "~", "3.0.0", true],
    ["3.1.0", "~", "3.0.0", false],
    ["3.1.0", "^", "3.0.0", true],
    ["4.0.0", "^", "3.0.0", false],
    ["v1.0.0", "=", "1.0.0", true],
    [1.2, ">", "1.1", true],
    [1, ">", "1.1", false],
    ["1.0.0+other", "=", "1.0.0+build", true],
  ] as const)("%j %s %j is %j", (actual, operator, target, expected) => {
    expect(semVer(actual, operator, target)).toBe(expected);
  });

  test.each([
    ["not-a-version", "=", "1.0.0"],
    ["1.0.0", "===", "1.0.0"],
    ["1.0.0", "=", "2.0.0.0"],
    ["1.0.0", null, "1.0.0"],
  ])("is null for %j %j %j", (actual, operator, target) => {
    expect(semVer(actual, operator, target)).toBeNull();
  });
});

describe("fractional bucketing", () => {
  test("maps a hash onto the weights exactly: ⌊hash × total / 2³²⌋", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.integer({ min: 1, max: MAX_TOTAL_WEIGHT }),
        (hash, total) => {
          const exact = (BigInt(hash) * BigInt(total)) >> 32n;
          expect(bucketPoint(hash, total)).toBe(Number(exact));
        },
      ),
      { numRuns: 5000 },
    );
    expect(bucketPoint(0xffffffff, MAX_TOTAL_WEIGHT)).toBe(MAX_TOTAL_WEIGHT - 1);
  });

  test("picks the bucket whose cumulative range holds the point", () => {
    const weights = [25, 25, 25, 25];
    expect(chooseBucket(0, weights, 4)).toBe(0);
    expect(chooseBucket(2147483647, weights, 4)).toBe(1);
    expect(chooseBucket(2147483648, weights, 4)).toBe(2);
    expect(chooseBucket(0xffffffff, weights, 4)).toBe(3);
    expect(chooseBucket(0xffffffff, [0, 1, 0], 3)).toBe(1);
    expect(chooseBucket(0, [0, 0], 2)).toBe(-1);
    expect(chooseBucket(0, [MAX_TOTAL_WEIGHT, 1], 2)).toBe(-1);
    expect(chooseBucket(0, [MAX_TOTAL_WEIGHT], 1)).toBe(0);
  });

  test.each([
    [undefined, 1],
    [null, 1],
    [0, 0],
    [50, 50],
    [-50, 0],
    [MAX_TOTAL_WEIGHT, MAX_TOTAL_WEIGHT],
    [MAX_TOTAL_WEIGHT + 1, undefined],
    [2.5, undefined],
    ["50", undefined],
    [true, undefined],
  ])("reads weight %j as %j", (raw, weight) => {
    expect(bucketWeight(raw)).toBe(weight as never);
  });
});
