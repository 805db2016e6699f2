import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { murmur3 } from "./murmur3.ts";

/** Any UTF-16 code unit, unpaired surrogates included. */
const codeUnit = fc.nat({ max: 0xffff }).map((code) => String.fromCharCode(code));

describe("murmur3", () => {
  test.each([
    ["", 0],
    ["hello", 613153351],
    // The testbed's hash edge cases: keys whose hash is 0, 1, 2³¹−1, 2³¹ and 2³²−1.
    ["ejOoVL", 0],
    ["bY9fO-", 1],
    ["SI7p-", 2147483647],
    ["6LvT0", 2147483648],
    ["ceQdGm", 4294967295],
  ])("%j hashes to %d", (text, hash) => {
    expect(murmur3(text)).toBe(hash);
  });

  test("hashes the UTF-8 bytes of any string, as Bun's own MurmurHash3 does", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme-composite", maxLength: 40 }),
        fc.nat(),
        (text, seed) => {
          expect(murmur3(text, seed)).toBe(Bun.hash.murmur32v3(text, seed));
        },
      ),
      { numRuns: 500 },
    );
  });

  test("reads an unpaired surrogate as U+FFFD, as TextEncoder encodes it", () => {
    fc.assert(
      fc.property(fc.string({ unit: codeUnit, maxLength: 20 }), (text) => {
        expect(murmur3(text)).toBe(Bun.hash.murmur32v3(new TextEncoder().encode(text), 0));
      }),
      { numRuns: 500 },
    );
  });
});
