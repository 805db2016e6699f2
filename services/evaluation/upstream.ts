/**
 * Calls to flag-service and targeting-service, authenticated with a JWT obtained from
 * auth-service with the service's API key. Every call has a timeout; every failure is an
 * `UpstreamError`, never a made-up answer: a rule that cannot be read is not "no rule".
 */

import type { Metadata } from "@togglemaster/shared/flagd/document";
import { isFlagName, isObject } from "@togglemaster/shared/limits";
import type { Registry } from "@togglemaster/shared/metrics";
import { type FlagSnapshot, parseFlag, parseRule, refersToSegments } from "./decide.ts";

export type UpstreamService = "auth" | "flag" | "targeting";

export class UpstreamError extends Error {
  override name = "UpstreamError";
  constructor(
    readonly service: UpstreamService,
    detail: string,
  ) {
    super(`${service}-service: ${detail}`);
  }
}

export interface TokenSourceOptions {
  authUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Share of `expires_in` after which the token is renewed (in the background while valid). */
  renewFraction?: number;
  now?: () => number;
}

export interface TokenSource {
  token(requestId?: string): Promise<string>;
  /** Forgets `token` after a 401, so the next call obtains a new one. */
  reject(token: string): void;
}

interface HeldToken {
  value: string;
  renewAt: number;
  expiresAt: number;
}

/** A JWT from auth `POST /token`, renewed at 80 % of its life; one request at a time. */
export function createTokenSource({
  authUrl,
  apiKey,
  fetch: send = fetch,
  timeoutMs = 1_500,
  renewFraction = 0.8,
  now = Date.now,
}: TokenSourceOptions): TokenSource {
  let held: HeldToken | undefined;
  let pending: Promise<string> | undefined;

  const obtain = async (requestId?: string): Promise<string> => {
    const startedAt = now();
    const body = await getJson("auth", `${authUrl}/token`, send, timeoutMs, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, ...requestIdHeader(requestId) },
    });
    const { token, expires_in: expiresIn } = (body ?? {}) as {
      token?: unknown;
      expires_in?: unknown;
    };
    if (typeof token !== "string" || typeof expiresIn !== "number" || expiresIn <= 0)
      throw new UpstreamError("auth", "unexpected /token response");
    held = {
      value: token,
      renewAt: startedAt + expiresIn * 1000 * renewFraction,
      // Not used to the last second: clocks differ, and a call takes time to arrive.
      expiresAt: startedAt + expiresIn * 1000 * 0.95,
    };
    return token;
  };

  const renew = (requestId?: string) => {
    pending ??= obtain(requestId).finally(() => {
      pending = undefined;
    });
    return pending;
  };

  return {
    async token(requestId) {
      const current = held;
      const at = now();
      if (current !== undefined && at < current.expiresAt) {
        if (at >= current.renewAt) renew(requestId).catch(() => {});
        return current.value;
      }
      return renew(requestId);
    },
    reject(token) {
      if (held?.value === token) held = undefined;
    },
  };
}

export interface UpstreamOptions {
  flagUrl: string;
  targetingUrl: string;
  tokens: TokenSource;
  metrics: Registry;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface Upstream {
  /** The flag and its rule, fetched in parallel. */
  snapshot(flagName: string, requestId?: string): Promise<FlagSnapshot>;
  /** The names of every flag, as flag-service lists them. */
  flagNames(requestId?: string): Promise<string[]>;
}

export function createUpstream({
  flagUrl,
  targetingUrl,
  tokens,
  metrics,
  fetch: send = fetch,
  timeoutMs = 1_500,
}: UpstreamOptions): Upstream {
  const errors = metrics.counter(
    "evaluation_upstream_errors_total",
    "Failed calls to flag, targeting or auth, by service",
  );

  /** GET with the service token; a 401 renews the token and retries once. */
  const read = async (service: UpstreamService, url: string, requestId?: string) => {
    try {
      for (let attempt = 1; ; attempt++) {
        const token = await tokens.token(requestId);
        try {
          return await getJson(service, url, send, timeoutMs, {
            headers: { authorization: `Bearer ${token}`, ...requestIdHeader(requestId) },
          });
        } catch (error) {
          if (!(error instanceof Unauthorized) || attempt > 1) throw error;
          tokens.reject(token);
        }
      }
    } catch (error) {
      const failure =
        error instanceof UpstreamError ? error : new UpstreamError(service, String(error));
      errors.inc({ service: failure.service });
      throw failure;
    }
  };

  /**
   * The flag set's metadata. Every flag's load needs it, and a cold burst loads many flags
   * at once: loads that overlap share one read (a later load reads again, so it stays fresh).
   */
  let flagSetRead: Promise<unknown> | undefined;
  const readFlagSetMetadata = (requestId?: string) => {
    flagSetRead ??= read("flag", `${flagUrl}/flagd/metadata`, requestId).finally(() => {
      flagSetRead = undefined;
    });
    return flagSetRead;
  };

  /** Every segment's definition by name (flagd's `$evaluators`). */
  const readSegments = async (requestId?: string) => {
    const body = await read("targeting", `${targetingUrl}/segments`, requestId);
    if (!Array.isArray(body)) throw new UpstreamError("targeting", "unexpected segment list");
    const segments: Record<string, unknown> = {};
    for (const segment of body)
      if (typeof segment?.name === "string") segments[segment.name] = segment.definition;
    return segments;
  };

  return {
    async snapshot(flagName, requestId) {
      // No such flag can exist, and only names of this pattern are safe in a URL path.
      if (!isFlagName(flagName)) return { flag: null, rule: null };
      const [flagBody, ruleBody, setBody] = await Promise.allSettled([
        read("flag", `${flagUrl}/flags/${flagName}`, requestId),
        read("targeting", `${targetingUrl}/rules/${flagName}`, requestId),
        readFlagSetMetadata(requestId),
      ]);
      if (flagBody.status === "rejected") throw flagBody.reason;
      // A missing flag is false whatever its rule, so the rule lookup does not matter then.
      if (flagBody.value === undefined) return { flag: null, rule: null };
      if (ruleBody.status === "rejected") throw ruleBody.reason;
      const flag = parseFlag(flagBody.value);
      if (flag === undefined) throw new UpstreamError("flag", "unexpected flag object");
      if (setBody.status === "rejected") throw setBody.reason;
      const flagSetMetadata = (setBody.value as { metadata?: unknown } | undefined)?.metadata;
      if (!isObject(flagSetMetadata))
        throw new UpstreamError("flag", "unexpected flag set metadata");
      const known = { flag, flagSetMetadata: flagSetMetadata as Metadata };
      if (ruleBody.value === undefined) return { ...known, rule: null };
      const rule = parseRule(ruleBody.value);
      if (rule === undefined) throw new UpstreamError("targeting", "unexpected rule object");
      if (!refersToSegments(rule)) return { ...known, rule };
      return { ...known, rule, segments: await readSegments(requestId) };
    },

    async flagNames(requestId) {
      const body = await read("flag", `${flagUrl}/flags`, requestId);
      if (!Array.isArray(body)) throw new UpstreamError("flag", "unexpected flag list");
      return body.flatMap((flag) => (typeof flag?.name === "string" ? [flag.name as string] : []));
    },
  };
}

/** Resolves when `url`'s `/health` answers 200 within `timeoutMs`. */
export async function checkHealth(url: string, send: typeof fetch = fetch, timeoutMs = 1_000) {
  const response = await send(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  if (response.status !== 200) throw new Error(`${url}/health answered ${response.status}`);
}

class Unauthorized extends UpstreamError {}

const requestIdHeader = (requestId?: string): Record<string, string> =>
  requestId ? { "x-request-id": requestId } : {};

/**
 * The JSON body of a 2xx answer; undefined for the service's own 404 ("no such record").
 * A 404 for an unknown route (a wrong base URL) is a failure, not a missing record.
 */
async function getJson(
  service: UpstreamService,
  url: string,
  send: typeof fetch,
  timeoutMs: number,
  init: RequestInit,
): Promise<unknown> {
  let response: Response;
  try {
    response = await send(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const timedOut = (error as Error).name === "TimeoutError";
    throw new UpstreamError(service, timedOut ? `no answer within ${timeoutMs} ms` : "unreachable");
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (response.status === 401) throw new Unauthorized(service, "401");
  if (response.status === 404 && isRecordNotFound(body)) return undefined;
  if (!response.ok) throw new UpstreamError(service, `HTTP ${response.status}`);
  if (body === undefined) throw new UpstreamError(service, "invalid JSON");
  return body;
}

const isRecordNotFound = (body: unknown) =>
  typeof body === "object" &&
  body !== null &&
  typeof (body as { error?: unknown }).error === "string" &&
  (body as { code?: unknown }).code !== "ROUTE_NOT_FOUND";
