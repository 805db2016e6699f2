import { sha1Prefix } from "@togglemaster/shared/hash";

/**
 * The percentage bucket (0..99) of a user for a flag, exactly as ToggleMaster v1 computed
 * it: SHA-1 of the UTF-8 bytes of `user_id + flag_name`, first 4 bytes big-endian, modulo 100.
 */
export const bucketOf = (userId: string, flagName: string): number =>
  sha1Prefix(userId, flagName) % 100;
