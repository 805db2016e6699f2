import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { bucketOf } from "./bucket.ts";

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

  test("a character whose halves end the user id and start the flag name is one character", () => {
    const [high, low] = ["\ud83d", "\ude00"];
    expect(bucketOf(`user${high}`, `${low}flag`)).toBe(reference(`user${high}`, `${low}flag`));
    expect(bucketOf(`user${high}`, "flag")).toBe(reference(`user${high}`, "flag"));
  });
});
