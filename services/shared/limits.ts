/**
 * Bounds and shapes every service agrees on: what a flag name is, how long a user id may
 * be. Pure, so the writer and the reader of a value enforce the same rule.
 */

/** Longest flag name. */
export const MAX_FLAG_NAME = 100;

/** Longest user id (targeting key) evaluated, listed in a rule or carried by an event. */
export const MAX_USER_ID = 256;

/** Largest request body a service reads, but for the routes that take whole documents. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Largest flagd document an import takes: ingress-nginx's default body size, so the
 * cluster's front door and the service refuse the same documents.
 */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** Flag names travel in URLs, cache keys and SDKs, so they are kept URL-safe. */
export const FLAG_NAME_PATTERN = "^[A-Za-z0-9_.:-]+$";

/**
 * A name flag-service can hold and a URL path can carry: the pattern, 1–100 characters,
 * and neither "." nor "..", which a URL path resolves away.
 */
const FLAG_NAME = /^(?!\.\.?$)[A-Za-z0-9_.:-]{1,100}$/;

export const isFlagName = (value: unknown): value is string =>
  typeof value === "string" && FLAG_NAME.test(value);

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
