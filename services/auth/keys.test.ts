import { expect, test } from "bun:test";
import { generateKey, hashKey, KEY_PATTERN, secretsEqual } from "./keys.ts";

test("keys are tm_key_ and 64 lowercase hex characters, never repeated", () => {
  const keys = Array.from({ length: 1000 }, generateKey);
  for (const key of keys) expect(key).toMatch(KEY_PATTERN);
  expect(new Set(keys).size).toBe(keys.length);
});

test("the stored form is the SHA-256 hex of the whole key", async () => {
  const key = generateKey();
  expect(await hashKey(key)).toBe(new Bun.CryptoHasher("sha256").update(key).digest("hex"));
});

test("secrets compare equal only when identical, whatever their lengths", async () => {
  const master = "correct horse battery staple";
  expect(await secretsEqual(master, master)).toBe(true);
  for (const guess of [
    "",
    "c",
    master.slice(0, -1),
    `${master}!`,
    master.toUpperCase(),
    "x".repeat(10_000),
  ])
    expect(await secretsEqual(guess, master)).toBe(false);
});
