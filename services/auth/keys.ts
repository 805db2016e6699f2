import { sha256Hex } from "@togglemaster/shared/auth-guard";

/** `tm_key_` + 64 lowercase hex characters: 32 random bytes. */
export const KEY_PATTERN = /^tm_key_[0-9a-f]{64}$/;

export function generateKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `tm_key_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** Only this digest of a key is ever stored. */
export const hashKey = sha256Hex;

/**
 * Compares two secrets in time that depends on neither: both are hashed to equal-length
 * digests first, then every byte is compared.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all(
    [given, expected].map((text) => crypto.subtle.digest("SHA-256", encoder.encode(text))),
  );
  const left = new Uint8Array(a as ArrayBuffer);
  const right = new Uint8Array(b as ArrayBuffer);
  let difference = 0;
  for (let index = 0; index < left.length; index++)
    difference |= (left[index] as number) ^ (right[index] as number);
  return difference === 0;
}
