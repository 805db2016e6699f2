/**
 * Hashing for keys, buckets and ETags. Synchronous, because the hot path cannot await a
 * digest: Web Crypto only offers asynchronous ones, and Bun and Deno both implement
 * `node:crypto`, which costs the same as a hand-written SHA-1 here (about 0.4 µs a bucket).
 */
import crypto from "node:crypto";

export const sha1 = (text: string): Buffer => crypto.createHash("sha1").update(text).digest();

export const sha1Hex = (text: string): string =>
  crypto.createHash("sha1").update(text).digest("hex");

export const sha256Hex = (text: string): string =>
  crypto.createHash("sha256").update(text).digest("hex");

/**
 * Compares two secrets in time that depends on neither: both are hashed to equal-length
 * digests, which `timingSafeEqual` compares (called through the module object, so a test
 * can see that it is).
 */
export function secretsEqual(given: string, expected: string): boolean {
  const digest = (text: string) => crypto.createHash("sha256").update(text).digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}
