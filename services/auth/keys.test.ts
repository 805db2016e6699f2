import { expect, test } from "bun:test";
import { generateKey, hashKey, KEY_PATTERN } from "./keys.ts";

test("keys are tm_key_ and 64 lowercase hex characters, never repeated", () => {
  const keys = Array.from({ length: 1000 }, generateKey);
  for (const key of keys) expect(key).toMatch(KEY_PATTERN);
  expect(new Set(keys).size).toBe(keys.length);
});

test("the stored form is the SHA-256 hex of the whole key", () => {
  const key = generateKey();
  expect(hashKey(key)).toBe(new Bun.CryptoHasher("sha256").update(key).digest("hex"));
});
