import { jwt } from "@elysiajs/jwt";
import { HISTORY_DESCRIPTION, historyQuery } from "@togglemaster/shared/audit";
import { credentialOf, TOKEN_ISSUER } from "@togglemaster/shared/auth-guard";
import { HttpError } from "@togglemaster/shared/errors";
import { secretsEqual } from "@togglemaster/shared/hash";
import { type EdgeOptions, noContent, platform } from "@togglemaster/shared/http";
import { Elysia, t } from "elysia";
import { generateKey, hashKey } from "./keys.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { type KeyStore, MASTER_KEY_ACTOR } from "./store.ts";

export interface AuthAppOptions {
  store: KeyStore;
  masterKey: string;
  jwtSecret: string;
  tokenTtlSeconds: number;
  /** Admin requests allowed per client per minute. */
  adminRateLimit: number;
  edge: EdgeOptions;
}

const forbidden = () => new HttpError(403, "Acesso não autorizado", "FORBIDDEN");
const invalidKey = () => new HttpError(401, "Chave de API inválida ou inativa", "INVALID_KEY");

const keyName = t.String({
  minLength: 1,
  maxLength: 100,
  messages: {
    required: "O campo 'name' é obrigatório",
    invalid: "Corpo da requisição inválido",
    tooLong: "O campo 'name' deve ter no máximo 100 caracteres",
  },
});

const keyIdParams = t.Object({
  id: t.Integer({
    minimum: 1,
    maximum: 2_147_483_647,
    messages: { invalid: "'id' deve ser um número inteiro positivo" },
  }),
});

const KEY_HISTORY_DESCRIPTION =
  `${HISTORY_DESCRIPTION} Keys change only with the master key, so \`key\` is ` +
  '`{"id":null,"name":"master key"}`; `before` and `after` are the key as `GET /admin/keys` ' +
  "lists it, and a revocation is an `updated` entry turning `is_active` to false.";

/**
 * The client a request comes from: behind the ingress, the address the nearest proxy
 * appended to X-Forwarded-For (the last entry, which a client cannot forge); otherwise the
 * socket's peer.
 */
function clientOf(request: Request, peer: string | undefined): string {
  const forwarded = request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim();
  return forwarded || peer || "unknown";
}

export function createAuthApp(options: AuthAppOptions) {
  const { store, masterKey, jwtSecret, tokenTtlSeconds, edge } = options;
  const { logger } = edge;

  /** The active key a request presents, or the contract's 401. */
  const presentedKey = async (request: Request) => {
    const credential = credentialOf(request);
    if (!credential) throw new HttpError(401, "Authorization header não encontrado", "MISSING_KEY");
    const key = await store.findActive(hashKey(credential));
    if (key === undefined) throw invalidKey();
    return key;
  };

  const limiter = createRateLimiter(options.adminRateLimit);

  const admin = new Elysia({ name: "admin" })
    // Checked before the body is read, so a caller without the master key learns nothing,
    // and rate-limited per client, so the master key cannot be guessed by brute force.
    .onRequest(({ request, server }) => {
      if (!new URL(request.url).pathname.startsWith("/admin")) return;
      const client = clientOf(request, server?.requestIP(request)?.address);
      const wait = limiter.take(client);
      if (wait > 0)
        throw new HttpError(
          429,
          `Muitas requisições; tente novamente em ${wait} s`,
          "RATE_LIMITED",
          {
            "retry-after": String(wait),
          },
        );
      const credential = credentialOf(request) ?? "";
      if (!secretsEqual(credential, masterKey)) throw forbidden();
    })
    .post(
      "/admin/keys",
      async ({ body, set }) => {
        const key = generateKey();
        const created = await store.create(MASTER_KEY_ACTOR, body.name.trim(), hashKey(key));
        logger.info("api key created", { key_id: created.id, name: created.name });
        set.status = 201;
        return {
          id: created.id,
          name: created.name,
          key,
          message: "Guarde esta chave com segurança! Você não poderá vê-la novamente.",
        };
      },
      {
        body: t.Object(
          { name: keyName },
          {
            messages: {
              required: "Corpo da requisição inválido",
              invalid: "Corpo da requisição inválido",
            },
          },
        ),
        detail: { summary: "Create an API key (shown once)", tags: ["admin"] },
      },
    )
    .get("/admin/keys", () => store.list(), {
      detail: { summary: "List API keys (never their hashes)", tags: ["admin"] },
    })
    .get("/admin/keys/history", ({ query }) => store.history(query), {
      query: historyQuery,
      detail: {
        summary: "Audit trail of every API key: creations and revocations",
        description: KEY_HISTORY_DESCRIPTION,
        tags: ["admin"],
      },
    })
    .get("/admin/keys/:id/history", ({ params, query }) => store.history(query, params.id), {
      params: keyIdParams,
      query: historyQuery,
      detail: {
        summary: "Audit trail of one API key",
        description: KEY_HISTORY_DESCRIPTION,
        tags: ["admin"],
      },
    })
    .delete(
      "/admin/keys/:id",
      async ({ params, set }) => {
        if (!(await store.revoke(MASTER_KEY_ACTOR, params.id)))
          throw new HttpError(404, "Chave não encontrada", "KEY_NOT_FOUND");
        logger.info("api key revoked", { key_id: params.id });
        return noContent(set);
      },
      {
        params: keyIdParams,
        detail: { summary: "Revoke an API key", tags: ["admin"] },
      },
    );

  return new Elysia({ name: "auth-service" })
    .use(platform(edge))
    .use(jwt({ name: "tokens", secret: jwtSecret, iss: TOKEN_ISSUER, exp: `${tokenTtlSeconds}s` }))
    .use(admin)
    .get(
      "/validate",
      async ({ request }) => {
        await presentedKey(request);
        return { message: "Chave válida" };
      },
      { detail: { summary: "Check an API key", tags: ["keys"] } },
    )
    .post(
      "/token",
      async ({ request, tokens }) => {
        const key = await presentedKey(request);
        const token = await tokens.sign({ sub: String(key.id), name: key.name });
        return { token, token_type: "Bearer", expires_in: tokenTtlSeconds };
      },
      { detail: { summary: "Exchange an API key for a short-lived JWT", tags: ["keys"] } },
    );
}
