/**
 * MurmurHash3 x86 32-bit of the UTF-8 bytes of a string: the hash flagd's `fractional`
 * buckets on. The bytes are produced while hashing, so no encoder buffer is allocated; an
 * unpaired surrogate counts as U+FFFD, as `TextEncoder` (and Go's JSON decoder) would make it.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The unsigned 32-bit MurmurHash3 (x86, 32-bit variant) of the UTF-8 encoding of `text`. */
export function murmur3(text: string, seed = 0): number {
  let hash = seed | 0;
  let block = 0;
  let filled = 0;
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = index + 1 < text.length ? text.charCodeAt(index + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        index++;
      } else {
        code = 0xfffd;
      }
    }
    // The code point's UTF-8 bytes, first byte lowest.
    let bytes: number;
    let count: number;
    if (code < 0x80) {
      bytes = code;
      count = 1;
    } else if (code < 0x800) {
      bytes = 0xc0 | (code >> 6) | ((0x80 | (code & 0x3f)) << 8);
      count = 2;
    } else if (code < 0x10000) {
      bytes =
        0xe0 | (code >> 12) | ((0x80 | ((code >> 6) & 0x3f)) << 8) | ((0x80 | (code & 0x3f)) << 16);
      count = 3;
    } else {
      bytes =
        0xf0 |
        (code >> 18) |
        ((0x80 | ((code >> 12) & 0x3f)) << 8) |
        ((0x80 | ((code >> 6) & 0x3f)) << 16) |
        ((0x80 | (code & 0x3f)) << 24);
      count = 4;
    }
    length += count;
    for (; count > 0; count--) {
      block |= (bytes & 0xff) << (filled << 3);
      bytes >>>= 8;
      if (++filled === 4) {
        hash ^= scramble(block);
        hash = (hash << 13) | (hash >>> 19);
        hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
        block = 0;
        filled = 0;
      }
    }
  }
  if (filled > 0) hash ^= scramble(block);
  hash ^= length;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function scramble(block: number): number {
  const k = Math.imul(block, C1);
  return Math.imul((k << 15) | (k >>> 17), C2);
}
