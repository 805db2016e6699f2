import { afterEach, expect, spyOn, test } from "bun:test";
import crypto from "node:crypto";
import { secretsEqual, sha1Prefix } from "./hash.ts";

const master = "correct horse battery staple";
const guesses = [
  "",
  "c",
  master.slice(0, -1),
  `${master}!`,
  master.toUpperCase(),
  "x".repeat(10_000),
];

afterEach(() => {
  (crypto.timingSafeEqual as unknown as { mockRestore?: () => void }).mockRestore?.();
});

test("secrets compare equal only when identical, whatever their lengths", () => {
  expect(secretsEqual(master, master)).toBe(true);
  for (const guess of guesses) expect(secretsEqual(guess, master)).toBe(false);
});

test("every comparison is timingSafeEqual over two 32-byte digests", () => {
  const compare = spyOn(crypto, "timingSafeEqual");
  for (const guess of [master, ...guesses]) secretsEqual(guess, master);
  expect(compare).toHaveBeenCalledTimes(guesses.length + 1);
  for (const [left, right] of compare.mock.calls) {
    expect((left as Buffer).length).toBe(32);
    expect((right as Buffer).length).toBe(32);
  }
});

test("sha1Prefix is the first 32 bits of node:crypto's SHA-1, for every length and alphabet", () => {
  const texts = ["", "user-123enable-new-dashboard", "çãoflag", "🎉", "a\u0000b"];
  // Every padding case: lengths around the 55/56/64-byte block boundaries and several blocks.
  for (let length = 0; length < 300; length++) texts.push("x".repeat(length), "é".repeat(length));
  for (const text of texts) {
    const expected = crypto.createHash("sha1").update(text).digest().readUInt32BE(0);
    expect(sha1Prefix(text)).toBe(expected);
    // Split anywhere, the two parts hash as their concatenation.
    for (const at of new Set([0, 1, text.length >> 1, text.length]))
      expect(sha1Prefix(text.slice(0, at), text.slice(at))).toBe(expected);
  }
});
