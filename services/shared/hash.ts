/**
 * Hashing for keys, buckets and ETags. Synchronous, because the hot path cannot await a
 * digest: Web Crypto only offers asynchronous ones. Bun and Deno both implement `node:crypto`.
 */
import crypto from "node:crypto";

const utf8 = new TextEncoder();
/** The padded message and its 80 schedule words, reused: hashing allocates nothing. */
let block = new Uint8Array(128);
const words = new Int32Array(80);

/**
 * The first 32 bits of the SHA-1 of the UTF-8 bytes of `text + suffix`, as an unsigned
 * integer. Once per evaluation of a percentage rule (v1's bucket), so it is written out:
 * `createHash` costs a native object, a digest buffer and their finalisation on every call.
 * The two parts are read where they are, never concatenated.
 */
export function sha1Prefix(text: string, suffix = ""): number {
  let ascii = true;
  for (let index = 0; index < text.length && ascii; index++) ascii = text.charCodeAt(index) < 0x80;
  for (let index = 0; index < suffix.length && ascii; index++)
    ascii = suffix.charCodeAt(index) < 0x80;
  const encoded = ascii ? undefined : utf8.encode(text + suffix);
  const length = encoded === undefined ? text.length + suffix.length : encoded.length;
  const padded = ((length + 8) >>> 6) * 64 + 64;
  if (block.length < padded) block = new Uint8Array(padded * 2);
  if (encoded === undefined) {
    for (let index = 0; index < text.length; index++) block[index] = text.charCodeAt(index);
    for (let index = 0, at = text.length; index < suffix.length; index++, at++)
      block[at] = suffix.charCodeAt(index);
  } else block.set(encoded);
  block.fill(0, length, padded);
  block[length] = 0x80;
  // The length in bits, big-endian, in the last 8 bytes (a string's fits in 53 bits).
  const bits = length * 8;
  const high = Math.floor(bits / 2 ** 32);
  for (let index = 0; index < 4; index++) {
    block[padded - 1 - index] = (bits >>> (8 * index)) & 0xff;
    block[padded - 5 - index] = (high >>> (8 * index)) & 0xff;
  }
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  for (let offset = 0; offset < padded; offset += 64) {
    for (let index = 0; index < 16; index++) {
      const at = offset + index * 4;
      words[index] =
        ((block[at] as number) << 24) |
        ((block[at + 1] as number) << 16) |
        ((block[at + 2] as number) << 8) |
        (block[at + 3] as number);
    }
    for (let index = 16; index < 80; index++) {
      const mixed =
        (words[index - 3] as number) ^
        (words[index - 8] as number) ^
        (words[index - 14] as number) ^
        (words[index - 16] as number);
      words[index] = (mixed << 1) | (mixed >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let round = 0; round < 80; round++) {
      const mix =
        round < 20
          ? ((b & c) | (~b & d)) + 0x5a827999
          : round < 40
            ? (b ^ c ^ d) + 0x6ed9eba1
            : round < 60
              ? ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc
              : (b ^ c ^ d) + 0xca62c1d6;
      const next = (((a << 5) | (a >>> 27)) + mix + e + (words[round] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = next;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  return h0 >>> 0;
}

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
