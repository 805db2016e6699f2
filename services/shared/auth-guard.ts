import { jwt } from "@elysiajs/jwt";
import { Elysia } from "elysia";
import { HttpError } from "./errors.ts";
import { requestIdOf } from "./http.ts";

/** Who made a request: a token holder (verified locally) or an API key (verified by auth). */
export type Principal = { kind: "token"; subject: string } | { kind: "key" };

export const TOKEN_ISSUER = "togglemaster-auth";

const missing = () => new HttpError(401, "Authorization header obrigatório", "MISSING_CREDENTIALS");
const rejected = () => new HttpError(401, "Chave de API inválida", "INVALID_CREDENTIALS");
const authTimeout = () =>
  new HttpError(504, "Serviço de autenticação indisponível (timeout)", "AUTH_TIMEOUT");
const authDown = () =>
  new HttpError(503, "Serviço de autenticação indisponível", "AUTH_UNAVAILABLE");

export interface KeyValidatorOptions {
  authUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** How long a "valid" answer is trusted: a revoked key stops working within it. */
  validTtlMs?: number;
  invalidTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export type KeyValidator = (key: string, requestId?: string) => Promise<boolean>;

/**
 * Asks auth-service whether an API key is valid, remembering the answer briefly and
 * sharing one in-flight call among concurrent requests, so a burst costs one call.
 */
export function createKeyValidator({
  authUrl,
  fetch: send = fetch,
  timeoutMs = 2_000,
  validTtlMs = 30_000,
  invalidTtlMs = 5_000,
  maxEntries = 10_000,
  now = Date.now,
}: KeyValidatorOptions): KeyValidator {
  const answers = new Map<string, { valid: boolean; expiresAt: number }>();
  const inFlight = new Map<string, Promise<boolean>>();

  const ask = async (key: string, requestId?: string): Promise<boolean> => {
    let response: Response;
    try {
      response = await send(`${authUrl}/validate`, {
        headers: {
          authorization: `Bearer ${key}`,
          ...(requestId ? { "x-request-id": requestId } : {}),
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw (error as Error).name === "TimeoutError" ? authTimeout() : authDown();
    }
    await response.body?.cancel();
    if (response.status === 200) return true;
    if (response.status === 401 || response.status === 403) return false;
    throw authDown();
  };

  return async (key, requestId) => {
    const cacheKey = await sha256Hex(key);
    const cached = answers.get(cacheKey);
    if (cached !== undefined && cached.expiresAt > now()) return cached.valid;
    let pending = inFlight.get(cacheKey);
    if (pending === undefined) {
      pending = ask(key, requestId)
        .then((valid) => {
          if (answers.size >= maxEntries) answers.delete(answers.keys().next().value as string);
          answers.set(cacheKey, { valid, expiresAt: now() + (valid ? validTtlMs : invalidTtlMs) });
          return valid;
        })
        .finally(() => inFlight.delete(cacheKey));
      inFlight.set(cacheKey, pending);
    }
    return pending;
  };
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The credential of a request: `Authorization: Bearer …`, or `X-API-Key` as OFREP clients send. */
export function credentialOf(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (header !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? "";
  }
  return request.headers.get("x-api-key") ?? undefined;
}

export interface AuthGuardOptions {
  jwtSecret: string;
  validateKey: KeyValidator;
}

/**
 * Requires a valid credential on every route registered after it. Tokens are checked here
 * (signature, algorithm, issuer, expiry) with no call to auth; API keys go through
 * `validateKey`.
 */
export function authGuard({ jwtSecret, validateKey }: AuthGuardOptions) {
  return new Elysia({ name: "auth-guard" })
    .use(jwt({ name: "tokens", secret: jwtSecret }))
    .resolve({ as: "scoped" }, async ({ request, tokens }): Promise<{ principal: Principal }> => {
      const credential = credentialOf(request);
      if (credential === undefined) throw missing();
      if (credential.startsWith("tm_key_")) {
        if (await validateKey(credential, requestIdOf(request)))
          return { principal: { kind: "key" } };
        throw rejected();
      }
      if (credential.split(".").length === 3) {
        const claims = await tokens.verify(credential, {
          algorithms: ["HS256"],
          issuer: TOKEN_ISSUER,
          requiredClaims: ["exp", "sub"],
        });
        if (claims !== false && typeof claims.sub === "string")
          return { principal: { kind: "token", subject: claims.sub } };
      }
      throw rejected();
    });
}
