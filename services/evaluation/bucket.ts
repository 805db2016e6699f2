/**
 * The percentage bucket of a user for a flag, exactly as ToggleMaster v1 computed it:
 * SHA-1 of the UTF-8 bytes of `user_id + flag_name`, first 4 bytes big-endian, modulo 100.
 *
 * SHA-1 is written out here because the hot path needs it synchronously, on Bun and Deno
 * alike, and without allocating: Web Crypto is asynchronous, and a per-call `Uint8Array`
 * or hex string costs more than the hash of a 30-byte input. Buffers are reused, so these
 * functions are not re-entrant, which single-threaded JavaScript never asks them to be.
 */

const schedule = new Int32Array(80);
const digest = new Int32Array(5);
let bytes = new Uint8Array(1024);

/** The percentage bucket (0..99) of `userId` for `flagName`. */
export function bucketOf(userId: string, flagName: string): number {
  hashStrings(userId, flagName);
  return ((digest[0] as number) >>> 0) % 100;
}

/** The SHA-1 of the UTF-8 bytes of `text`, as 40 lowercase hex characters. */
export function sha1Hex(text: string): string {
  hashStrings(text, "");
  let hex = "";
  for (const word of digest) hex += (word >>> 0).toString(16).padStart(8, "0");
  return hex;
}

/** Hashes `first + second` into `digest` without concatenating them. */
function hashStrings(first: string, second: string): void {
  // Three bytes per UTF-16 unit is the worst case; 72 more hold the padding.
  const needed = 3 * (first.length + second.length) + 72;
  if (bytes.length < needed) bytes = new Uint8Array(needed * 2);
  let length = encodeUtf8(first, 0, 0);
  const last = first.charCodeAt(first.length - 1);
  const next = second.charCodeAt(0);
  if (isHighSurrogate(last) && isLowSurrogate(next)) {
    // The two halves of one character, split across the strings: encoded as the pair.
    length = encodeCodePoint(pairToCodePoint(last, next), length - 3);
    length = encodeUtf8(second, 1, length);
  } else {
    length = encodeUtf8(second, 0, length);
  }
  hashBytes(length);
}

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;
const pairToCodePoint = (high: number, low: number) =>
  0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);

/** Writes `text` from unit `start` as UTF-8 at `offset`; lone surrogates become U+FFFD. */
function encodeUtf8(text: string, start: number, offset: number): number {
  let at = offset;
  for (let index = start; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) {
      bytes[at++] = unit;
    } else if (unit < 0x800) {
      bytes[at++] = 0xc0 | (unit >> 6);
      bytes[at++] = 0x80 | (unit & 0x3f);
    } else if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(index + 1))) {
      at = encodeCodePoint(pairToCodePoint(unit, text.charCodeAt(++index)), at);
    } else {
      at = encodeCodePoint(unit >= 0xd800 && unit <= 0xdfff ? 0xfffd : unit, at);
    }
  }
  return at;
}

/** Writes a code point of three or four UTF-8 bytes. */
function encodeCodePoint(codePoint: number, offset: number): number {
  let at = offset;
  if (codePoint < 0x10000) {
    bytes[at++] = 0xe0 | (codePoint >> 12);
  } else {
    bytes[at++] = 0xf0 | (codePoint >> 18);
    bytes[at++] = 0x80 | ((codePoint >> 12) & 0x3f);
  }
  bytes[at++] = 0x80 | ((codePoint >> 6) & 0x3f);
  bytes[at++] = 0x80 | (codePoint & 0x3f);
  return at;
}

/** SHA-1 (FIPS 180-4) of the first `length` bytes of `bytes`, into `digest`. */
function hashBytes(length: number): void {
  const blocks = ((length + 8) >> 6) + 1;
  const end = blocks << 6;
  bytes[length] = 0x80;
  bytes.fill(0, length + 1, end - 8);
  const high = Math.floor(length / 0x20000000);
  const low = (length << 3) >>> 0;
  writeWord(end - 8, high);
  writeWord(end - 4, low);

  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  const w = schedule;
  const input = bytes;
  for (let block = 0; block < end; block += 64) {
    for (let t = 0, i = block; t < 16; t++, i += 4)
      w[t] =
        ((input[i] as number) << 24) |
        ((input[i + 1] as number) << 16) |
        ((input[i + 2] as number) << 8) |
        (input[i + 3] as number);
    for (let t = 16; t < 80; t++) {
      const x =
        (w[t - 3] as number) ^ (w[t - 8] as number) ^ (w[t - 14] as number) ^ (w[t - 16] as number);
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let t = 0;
    // Four rounds of twenty steps, each with its own function and constant.
    for (; t < 20; t++) {
      const next = (rotl5(a) + ((b & c) | (~b & d)) + e + 0x5a827999 + (w[t] as number)) | 0;
      e = d;
      d = c;
      c = rotl30(b);
      b = a;
      a = next;
    }
    for (; t < 40; t++) {
      const next = (rotl5(a) + (b ^ c ^ d) + e + 0x6ed9eba1 + (w[t] as number)) | 0;
      e = d;
      d = c;
      c = rotl30(b);
      b = a;
      a = next;
    }
    for (; t < 60; t++) {
      const next =
        (rotl5(a) + ((b & c) | (b & d) | (c & d)) + e - 0x70e44324 + (w[t] as number)) | 0;
      e = d;
      d = c;
      c = rotl30(b);
      b = a;
      a = next;
    }
    for (; t < 80; t++) {
      const next = (rotl5(a) + (b ^ c ^ d) + e - 0x359d3e2a + (w[t] as number)) | 0;
      e = d;
      d = c;
      c = rotl30(b);
      b = a;
      a = next;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  digest[0] = h0;
  digest[1] = h1;
  digest[2] = h2;
  digest[3] = h3;
  digest[4] = h4;
}

const rotl5 = (x: number) => (x << 5) | (x >>> 27);
const rotl30 = (x: number) => (x << 30) | (x >>> 2);

function writeWord(offset: number, word: number): void {
  bytes[offset] = word >>> 24;
  bytes[offset + 1] = (word >>> 16) & 0xff;
  bytes[offset + 2] = (word >>> 8) & 0xff;
  bytes[offset + 3] = word & 0xff;
}
