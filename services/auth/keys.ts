/** `tm_key_` + 64 lowercase hex characters: 32 random bytes. */
export const KEY_PATTERN = /^tm_key_[0-9a-f]{64}$/;

export function generateKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `tm_key_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** Only the SHA-256 of a key is ever stored. */
export { sha256Hex as hashKey } from "@togglemaster/shared/hash";
