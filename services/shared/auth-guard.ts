import { jwt } from "@elysiajs/jwt";
import { Elysia } from "elysia";
import { HttpError } from "./errors.ts";
import { sha256Hex } from "./hash.ts";
import { requestContext } from "./http.ts";

/** Which API key a caller holds: its id and name, never the key itself. */
export interface KeyIdentity {
  id: number;
  name: string;
}

/** Who made a request: an API key (checked by auth) or a JWT issued for one (checked here). */
export interface Principal extends KeyIdentity {
  kind: "key" | "token";
}

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

/** The identity of a valid API key; undefined for an unknown or revoked one. */
export type KeyValidator = (key: string, requestId?: string) => Promise<KeyIdentity | undefined>;

/** The key id (`sub`) and name a JWT from auth carries; undefined without a key id. */
function identityOf(claims: Record<string, unknown>): KeyIdentity | undefined {
  const id = Number(claims.sub);
  if (!Number.isSafeInteger(id) || id < 1) return undefined;
  return { id, name: typeof claims.name === "string" ? claims.name : "" };
}

/** The claims of a JWT, unverified: used only on a token auth-service just handed over. */
function claimsOf(token: unknown): Record<string, unknown> {
  if (typeof token !== "string") return {};
  try {
    const payload = (token.split(".")[1] ?? "").replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(payload), (character) => character.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

/**
 * Asks auth-service whether an API key is valid and whose it is, by exchanging it for a
 * token (`POST /token`, whose claims name the key), remembering the answer briefly and
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
  const answers = new Map<string, { identity: KeyIdentity | undefined; expiresAt: number }>();
  const inFlight = new Map<string, Promise<KeyIdentity | undefined>>();

  const ask = async (key: string, requestId?: string): Promise<KeyIdentity | undefined> => {
    let response: Response;
    try {
      response = await send(`${authUrl}/token`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          ...(requestId ? { "x-request-id": requestId } : {}),
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw (error as Error).name === "TimeoutError" ? authTimeout() : authDown();
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return undefined;
    }
    const body = response.status === 200 ? await response.json().catch(() => undefined) : undefined;
    const identity = identityOf(claimsOf((body as { token?: unknown } | undefined)?.token));
    if (identity === undefined) throw authDown();
    return identity;
  };

  return async (key, requestId) => {
    const cacheKey = sha256Hex(key);
    const cached = answers.get(cacheKey);
    if (cached !== undefined && cached.expiresAt > now()) return cached.identity;
    let pending = inFlight.get(cacheKey);
    if (pending === undefined) {
      pending = ask(key, requestId)
        .then((identity) => {
          if (answers.size >= maxEntries) answers.delete(answers.keys().next().value as string);
          const ttl = identity === undefined ? invalidTtlMs : validTtlMs;
          answers.set(cacheKey, { identity, expiresAt: now() + ttl });
          return identity;
        })
        .finally(() => inFlight.delete(cacheKey));
      inFlight.set(cacheKey, pending);
    }
    return pending;
  };
}

/**
 * The credential of a request: `Authorization: Bearer …`, the bare `Authorization: <key>`
 * v1 clients send (v1 stripped the prefix only when present), or `X-API-Key` as OFREP
 * clients send. An Authorization header of any other shape is an empty credential.
 */
export function credentialOf(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (header !== null) {
    const match = /^(?:Bearer\s+)?(\S+)\s*$/i.exec(header.trim());
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
    .use(requestContext)
    .use(jwt({ name: "tokens", secret: jwtSecret }))
    .resolve({ as: "scoped" }, async (context): Promise<{ principal: Principal }> => {
      const { request, tokens } = context;
      const credential = credentialOf(request);
      if (credential === undefined) throw missing();
      if (credential.startsWith("tm_key_")) {
        const identity = await validateKey(credential, context.requestId);
        if (identity !== undefined) return { principal: { kind: "key", ...identity } };
        throw rejected();
      }
      if (credential.split(".").length === 3) {
        const claims = await tokens.verify(credential, {
          algorithms: ["HS256"],
          issuer: TOKEN_ISSUER,
          requiredClaims: ["exp", "sub"],
        });
        const identity = claims === false ? undefined : identityOf(claims);
        if (identity !== undefined) return { principal: { kind: "token", ...identity } };
      }
      throw rejected();
    });
}
