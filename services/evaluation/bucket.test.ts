import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { bucketOf, sha1Hex } from "./bucket.ts";

describe("bucketOf", () => {
  test.each([
    ["user-123", "enable-new-dashboard", 25],
    ["user-abc", "enable-new-dashboard", 71],
    ["test-user-1", "enable-new-dashboard", 81],
    ["user123", "feature-x", 27],
    ["user-12345", "novo-simulador", 49],
    ["ção", "flag", 93],
  ])("(%p, %p) is %p, as v1 computed it", (userId, flagName, bucket) => {
    expect(bucketOf(userId, flagName)).toBe(bucket);
  });

  const reference = (userId: string, flagName: string) =>
    new DataView(new Bun.CryptoHasher("sha1").update(userId + flagName).digest().buffer).getUint32(
      0,
    ) % 100;

  test("matches SHA-1 of the concatenated UTF-8 on random unicode input", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 60 }),
        fc.string({ unit: "binary", maxLength: 40 }),
        (userId, flagName) => {
          expect(bucketOf(userId, flagName)).toBe(reference(userId, flagName));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  test("a character split between user id and flag name is encoded as one", () => {
    const [high, low] = ["\ud83d", "\ude00"];
    expect(bucketOf(`user${high}`, `${low}flag`)).toBe(reference(`user${high}`, `${low}flag`));
    expect(bucketOf(`user${high}`, "flag")).toBe(reference(`user${high}`, "flag"));
  });
});

describe("sha1Hex", () => {
  test("matches Bun's SHA-1 on random unicode strings of every block count", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 600 }), (text) => {
        expect(sha1Hex(text)).toBe(new Bun.CryptoHasher("sha1").update(text).digest("hex"));
      }),
      { numRuns: 2_000 },
    );
  });

  test.each([0, 1, 55, 56, 63, 64, 119, 120, 5_000])("%p bytes", (length) => {
    const text = "a".repeat(length);
    expect(sha1Hex(text)).toBe(createHash("sha1").update(text).digest("hex"));
  });
});
