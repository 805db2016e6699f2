import { afterEach, expect, spyOn, test } from "bun:test";
import crypto from "node:crypto";
import { secretsEqual } from "./hash.ts";

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
