import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKeyValidator } from "@togglemaster/shared/auth-guard";
import { CHANGE_CHANNEL, type ChangeNotice, changePublisher } from "@togglemaster/shared/changes";
import { createPool, migrate } from "@togglemaster/shared/db";
import { MAX_JSON_DEPTH } from "@togglemaster/shared/json";
import { createRedis } from "@togglemaster/shared/redis";
import Redis from "ioredis";
import { type AuthFixture, startAuthService } from "../../test/support/auth.ts";
import { type PartsOptions, testParts } from "../../test/support/data-service.ts";
import {
  bearer,
  createTestDatabase,
  json,
  listen,
  memoryLogger,
  TEST_REDIS_URL,
  type TestDatabase,
} from "../../test/support/testing.ts";
import { createFlagApp } from "./app.ts";
import { migrations } from "./migrations/index.ts";
import { createFlagStore } from "./store.ts";
import { createTargetingClient } from "./targeting-client.ts";

let auth: AuthFixture;
let database: TestDatabase;
let pool: ReturnType<typeof createPool>;
let base: string;
let key: string;
let authCalls = 0;
const notices: ChangeNotice[] = [];
const subscriber = new Redis(TEST_REDIS_URL);
const logger = memoryLogger("flag");
const redis = createRedis(TEST_REDIS_URL, logger);

const flagApp = (options: Partial<PartsOptions> = {}) => {
  const parts = testParts({
    pool,
    authUrl: auth.url,
    jwtSecret: auth.jwtSecret,
    logger,
    publish: changePublisher(redis, logger),
    ...options,
  });
  // These tests never reach targeting: flagd import and export have tests of their own.
  return createFlagApp({
    ...parts,
    store: createFlagStore(parts.pool),
    targeting: createTargetingClient({ url: "http://127.0.0.1:1" }),
  });
};

function startFlagApp(validateKey = createKeyValidator({ authUrl: auth.url })) {
  const app = flagApp({ validateKey });
  return { app, url: listen(app) };
}

beforeAll(async () => {
  auth = await startAuthService();
  database = await createTestDatabase("flag");
  pool = createPool(database.url);
  await migrate(pool, "flag", migrations);
  const counting: typeof fetch = Object.assign(
    (input: RequestInfo | URL, init?: RequestInit) => {
      authCalls++;
      return fetch(input, init);
    },
    { preconnect: fetch.preconnect },
  );
  base = startFlagApp(createKeyValidator({ authUrl: auth.url, fetch: counting })).url;
  key = (await auth.createKey("flag-tests")).key;
  await subscriber.subscribe(CHANGE_CHANNEL);
  subscriber.on("message", (_, message) => notices.push(JSON.parse(message)));
});

afterAll(async () => {
  subscriber.disconnect();
  redis.disconnect();
  await pool.end();
  await database.drop();
  await auth.stop();
});

const call = (method: string, path: string, body?: unknown, credential = key) =>
  fetch(`${base}${path}`, {
    method,
    headers: bearer(credential),
    body: typeof body === "string" ? body : body === undefined ? undefined : JSON.stringify(body),
  }).then(json);

const base64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url");

/** Signs a JWT by hand, so tests can forge the ones a real issuer never would. */
async function signToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  secret: string,
) {
  const body = `${base64url(JSON.stringify({ typ: "JWT", ...header }))}.${base64url(JSON.stringify(claims))}`;
  if (secret === "") return `${body}.`;
  const hash = header.alg === "HS512" ? "SHA-512" : "SHA-256";
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body));
  return `${body}.${base64url(new Uint8Array(signature))}`;
}

const FLAG_FIELDS = ["created_at", "description", "id", "is_enabled", "name", "updated_at"];

describe("POST /flags", () => {
  test("201 with defaults and the flag object", async () => {
    const { status, body } = await call("POST", "/flags", { name: "new-dashboard" });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(FLAG_FIELDS);
    expect(body).toMatchObject({ name: "new-dashboard", description: "", is_enabled: false });
    expect(body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
  });

  test("keeps given fields", async () => {
    const { body } = await call("POST", "/flags", {
      name: "dark-mode",
      description: "Tema escuro",
      is_enabled: true,
    });
    expect(body).toMatchObject({ name: "dark-mode", description: "Tema escuro", is_enabled: true });
  });

  test("409 for a duplicate", async () => {
    await call("POST", "/flags", { name: "dup" });
    const { status, body } = await call("POST", "/flags", { name: "dup" });
    expect(status).toBe(409);
    expect(body.error).toBe("Flag 'dup' já existe");
  });

  test.each([
    ["no name", {}, "'name' é obrigatório"],
    ["a null name", { name: null }, "'name' é obrigatório"],
    ["an empty body", "", "'name' é obrigatório"],
    ["invalid JSON", "{", "Corpo da requisição inválido"],
    [
      "a name over 100 characters",
      { name: "x".repeat(101) },
      "'name' deve ter no máximo 100 caracteres",
    ],
    [
      "a numeric name",
      { name: 7 },
      "'name' deve ser um texto de letras, números, '_', '-', '.' ou ':'",
    ],
    [
      "a name with a slash",
      { name: "a/b" },
      "'name' deve ser um texto de letras, números, '_', '-', '.' ou ':'",
    ],
    [
      "a string is_enabled",
      { name: "ok", is_enabled: "yes" },
      "'is_enabled' deve ser verdadeiro ou falso",
    ],
  ])("400 for %s", async (_, payload, message) => {
    const { status, body } = await call("POST", "/flags", payload);
    expect(status).toBe(400);
    expect(body.error).toBe(message);
  });
});

describe("reading flags", () => {
  test("GET /flags is ordered by name", async () => {
    await call("POST", "/flags", { name: "zeta" });
    await call("POST", "/flags", { name: "alpha" });
    const { status, body } = await call("GET", "/flags");
    expect(status).toBe(200);
    const names = body.map((flag: { name: string }) => flag.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain("alpha");
  });

  test("GET /flags/:name 200 and 404", async () => {
    expect((await call("GET", "/flags/dark-mode")).body.name).toBe("dark-mode");
    const missing = await call("GET", "/flags/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("Flag não encontrada");
  });
});

describe("PUT /flags/:name", () => {
  test("updates fields and updated_at", async () => {
    const created = (await call("POST", "/flags", { name: "to-update" })).body;
    await Bun.sleep(5);
    const { status, body } = await call("PUT", "/flags/to-update", { is_enabled: true });
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: "to-update", is_enabled: true, description: "" });
    expect(Date.parse(body.updated_at)).toBeGreaterThan(Date.parse(created.updated_at));
    expect((await call("PUT", "/flags/to-update", { description: "d" })).body).toMatchObject({
      description: "d",
      is_enabled: true,
    });
  });

  test.each([
    ["an empty body", "", "Corpo da requisição obrigatório"],
    [
      "neither field",
      { other: 1 },
      "Pelo menos um campo ('description', 'is_enabled') é obrigatório",
    ],
    ["a wrong type", { is_enabled: "true" }, "'is_enabled' deve ser verdadeiro ou falso"],
  ])("400 for %s", async (_, payload, message) => {
    const { status, body } = await call("PUT", "/flags/dark-mode", payload);
    expect(status).toBe(400);
    expect(body.error).toBe(message);
  });

  test("404 for an unknown flag", async () => {
    const { status, body } = await call("PUT", "/flags/nope", { is_enabled: true });
    expect(status).toBe(404);
    expect(body.error).toBe("Flag não encontrada");
  });
});

describe("DELETE /flags/:name", () => {
  test("204 then 404", async () => {
    await call("POST", "/flags", { name: "to-delete" });
    const first = await fetch(`${base}/flags/to-delete`, {
      method: "DELETE",
      headers: bearer(key),
    });
    expect(first.status).toBe(204);
    expect(await first.text()).toBe("");
    const again = await call("DELETE", "/flags/to-delete");
    expect(again.status).toBe(404);
  });
});

describe("flags v2", () => {
  const V2_FIELDS = [...FLAG_FIELDS, "default_variant", "metadata", "variants"].sort();

  test("variants, default variant and metadata are kept and shown", async () => {
    const { status, body } = await call("POST", "/flags", {
      name: "banner-color",
      is_enabled: true,
      variants: { red: "#f00", blue: "#00f" },
      default_variant: "blue",
      metadata: { team: "web", priority: 2, public: true },
    });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(V2_FIELDS);
    expect(body).toMatchObject({
      variants: { red: "#f00", blue: "#00f" },
      default_variant: "blue",
      metadata: { team: "web", priority: 2, public: true },
    });
    expect((await call("GET", "/flags/banner-color")).body).toEqual(body);
  });

  test.each([
    ["booleans", { yes: true, no: false }],
    ["numbers", { small: 1, large: 1e6, half: 0.5 }],
    ["objects", { compact: { rows: 10 }, roomy: { rows: 3, images: true } }],
  ])("variants of %s are a flagd kind", async (kind, variants) => {
    const { status, body } = await call("POST", "/flags", { name: `kind-${kind}`, variants });
    expect(status).toBe(201);
    expect(body).toMatchObject({ variants, default_variant: null, metadata: {} });
  });

  test("a flag with metadata only shows the v2 fields; without v2 data it is a v1 flag again", async () => {
    const created = await call("POST", "/flags", { name: "tagged", metadata: { owner: "ana" } });
    expect(created.body).toMatchObject({ variants: null, default_variant: null });
    const cleared = await call("PUT", "/flags/tagged", { metadata: {} });
    expect(cleared.status).toBe(200);
    expect(Object.keys(cleared.body).sort()).toEqual(FLAG_FIELDS);
  });

  test("PUT changes v2 fields and checks them against what the flag keeps", async () => {
    const mismatch = await call("PUT", "/flags/banner-color", { variants: { green: "#0f0" } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toBe(`'default_variant': names no variant of the flag: "blue"`);
    const { status, body } = await call("PUT", "/flags/banner-color", {
      variants: { green: "#0f0" },
      default_variant: "green",
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      is_enabled: true,
      variants: { green: "#0f0" },
      default_variant: "green",
      metadata: { team: "web", priority: 2, public: true },
    });
    const v1 = await call("PUT", "/flags/banner-color", {
      variants: null,
      default_variant: null,
      metadata: {},
    });
    expect(Object.keys(v1.body).sort()).toEqual(FLAG_FIELDS);
    expect(v1.body).toMatchObject({ name: "banner-color", is_enabled: true });
  });

  test("a v1 flag keeps exactly the v1 fields on every route", async () => {
    const created = await call("POST", "/flags", { name: "plain", description: "v1" });
    expect(Object.keys(created.body).sort()).toEqual(FLAG_FIELDS);
    const updated = await call("PUT", "/flags/plain", { is_enabled: true });
    expect(Object.keys(updated.body).sort()).toEqual(FLAG_FIELDS);
    expect(Object.keys((await call("GET", "/flags/plain")).body).sort()).toEqual(FLAG_FIELDS);
    const listed = (await call("GET", "/flags")).body.find(
      (flag: { name: string }) => flag.name === "plain",
    );
    expect(Object.keys(listed).sort()).toEqual(FLAG_FIELDS);
  });

  test.each([
    [
      "mixed variant kinds",
      { variants: { a: "x", b: 1 } },
      "'variants.b': must be a string, like the flag's other variants (variants of a flag share one type)",
    ],
    [
      "variants as a list",
      { variants: [true] },
      "'variants': must be an object of variant names to values",
    ],
    [
      "variants as text",
      { variants: "on" },
      "'variants': must be an object of variant names to values",
    ],
    ["no variants at all", { variants: {} }, "'variants': must define at least one variant"],
    [
      "a null variant",
      { variants: { a: null } },
      "'variants.a': must be a boolean, a string, a number or an object",
    ],
    [
      "a list variant",
      { variants: { a: [1] } },
      "'variants.a': must be a boolean, a string, a number or an object",
    ],
    [
      "a default naming no variant",
      { variants: { a: 1 }, default_variant: "b" },
      `'default_variant': names no variant of the flag: "b"`,
    ],
    [
      "a default without variants",
      { default_variant: "on" },
      "'default_variant' exige 'variants' (uma flag sem variantes tem as variantes on e off)",
    ],
    [
      "a numeric default",
      { variants: { a: 1 }, default_variant: 1 },
      "'default_variant' deve ser o nome de uma das variantes (até 100 caracteres) ou null",
    ],
    ["metadata as text", { metadata: "x" }, "'metadata': must be an object"],
    [
      "metadata with a list",
      { metadata: { tags: ["a"] } },
      "'metadata.tags': must be a string, a number or a boolean",
    ],
    ["null metadata", { metadata: null }, "'metadata': must be an object"],
  ])("400 for %s, naming the field", async (_, fields, message) => {
    const created = await call("POST", "/flags", { name: "refused-v2", ...fields });
    expect(created.status).toBe(400);
    expect(created.body.error).toBe(message);
    const updated = await call("PUT", "/flags/dark-mode", fields);
    expect(updated.status).toBe(400);
    expect(updated.body.error).toBe(message);
  });

  test("variants nested beyond any real use are a 400, however deep", async () => {
    const deep = `${"[".repeat(30_000)}${"]".repeat(30_000)}`;
    const { status, body } = await call(
      "POST",
      "/flags",
      `{"name":"deep","variants":{"o":${deep}}}`,
    );
    expect(status).toBe(400);
    expect(body.error).toBe(
      `'variants.o': nests more than ${MAX_JSON_DEPTH} levels of arrays and objects`,
    );
  });

  test.each([
    ["a NUL character in text", { description: "x\u0000y" }],
    ["a NUL character in JSON", { variants: { a: "x\u0000y" } }],
    ["a lone surrogate in JSON", { metadata: { a: "\ud800" } }],
  ])("%s, which PostgreSQL cannot store, is a 400, not a 500", async (_, fields) => {
    const { status, body } = await call("POST", "/flags", { name: "unstorable", ...fields });
    expect(status).toBe(400);
    expect(body.code).toBe("UNSTORABLE_TEXT");
  });
});

describe("authentication", () => {
  test("401 without a header", async () => {
    const { status, body } = await fetch(`${base}/flags`).then(json);
    expect(status).toBe(401);
    expect(body.error).toBe("Authorization header obrigatório");
  });

  test.each([
    ["an unknown key", `tm_key_${"a".repeat(64)}`],
    ["garbage", "nonsense"],
    ["a forged token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."],
  ])("401 for %s", async (_, credential) => {
    const { status, body } = await call("GET", "/flags", undefined, credential);
    expect(status).toBe(401);
    expect(body.error).toBe("Chave de API inválida");
  });

  test.each([
    ["alg none", { alg: "none" }, {}, ""],
    ["an expired token", { alg: "HS256" }, { exp: Math.floor(Date.now() / 1000) - 10 }, "same"],
    ["a foreign signature", { alg: "HS256" }, {}, "another-secret-0123456789abcdef01234"],
    ["another algorithm", { alg: "HS512" }, {}, "same"],
    ["another issuer", { alg: "HS256" }, { iss: "someone-else" }, "same"],
    ["no subject", { alg: "HS256" }, { sub: undefined }, "same"],
    ["no expiry", { alg: "HS256" }, { exp: undefined }, "same"],
  ])("401 for a JWT with %s", async (_, header, claims, secret) => {
    const token = await signToken(
      header,
      { sub: "1", iss: "togglemaster-auth", exp: Math.floor(Date.now() / 1000) + 60, ...claims },
      secret === "same" ? auth.jwtSecret : secret,
    );
    const { status, body } = await call("GET", "/flags", undefined, token);
    expect(status).toBe(401);
    expect(body.error).toBe("Chave de API inválida");
  });

  test("a well-formed JWT signed with the shared secret is accepted", async () => {
    const token = await signToken(
      { alg: "HS256" },
      { sub: "1", iss: "togglemaster-auth", exp: Math.floor(Date.now() / 1000) + 60 },
      auth.jwtSecret,
    );
    expect((await call("GET", "/flags", undefined, token)).status).toBe(200);
  });

  test("a JWT is verified without calling auth", async () => {
    const token = await auth.token(key);
    const before = authCalls;
    const { status } = await call("GET", "/flags", undefined, token);
    expect(status).toBe(200);
    expect(authCalls).toBe(before);
  });

  test("1,000 requests with one fresh key cost at most a handful of auth calls", async () => {
    const { key: burstKey } = await auth.createKey("burst");
    const before = authCalls;
    const statuses: number[] = [];
    // 50 clients at a time, 20 requests each: a burst, not a pool-exhaustion test.
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let i = 0; i < 20; i++)
          statuses.push((await call("GET", "/flags/dark-mode", undefined, burstKey)).status);
      }),
    );
    expect(statuses).toHaveLength(1000);
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(authCalls - before).toBeLessThanOrEqual(3);
    expect(authCalls - before).toBeGreaterThanOrEqual(1);
  });

  test("504 when auth times out, 503 when it is unreachable", async () => {
    const silent = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Promise<Response>(() => {}),
    });
    const slow = startFlagApp(
      createKeyValidator({ authUrl: `http://127.0.0.1:${silent.port}`, timeoutMs: 200 }),
    );
    const timedOut = await fetch(`${slow.url}/flags`, { headers: bearer(key) }).then(json);
    expect(timedOut.status).toBe(504);
    expect(timedOut.body.error).toBe("Serviço de autenticação indisponível (timeout)");
    const down = startFlagApp(createKeyValidator({ authUrl: "http://127.0.0.1:1" }));
    const unreachable = await fetch(`${down.url}/flags`, { headers: bearer(key) }).then(json);
    expect(unreachable.status).toBe(503);
    expect(unreachable.body.error).toBe("Serviço de autenticação indisponível");
    await Promise.all([slow.app.stop(), down.app.stop(), silent.stop(true)]);
  });

  test("a revoked key stops working once its cached answer expires", async () => {
    let clock = 0;
    const validator = createKeyValidator({ authUrl: auth.url, now: () => clock });
    const { id, key: doomed } = await auth.createKey("doomed");
    expect(await validator(doomed)).toEqual({ id, name: "doomed" });
    await auth.revoke(id);
    expect(await validator(doomed)).toEqual({ id, name: "doomed" });
    clock += 30_001;
    expect(await validator(doomed)).toBeUndefined();
  });
});

describe("change notices", () => {
  test("every create, update and delete is announced", async () => {
    await call("POST", "/flags", { name: "announced" });
    await call("PUT", "/flags/announced", { is_enabled: true });
    await call("DELETE", "/flags/announced");
    await Bun.sleep(100);
    const seen = notices
      .filter((notice) => notice.name === "announced")
      .map((notice) => notice.action);
    expect(seen).toEqual(["created", "updated", "deleted"]);
  });

  test("a write succeeds with Redis down", async () => {
    const deadRedis = createRedis("redis://127.0.0.1:1", logger);
    const app = flagApp({ publish: changePublisher(deadRedis, logger) });
    const url = listen(app);
    const response = await fetch(`${url}/flags`, {
      method: "POST",
      headers: bearer(key),
      body: '{"name":"no-redis"}',
    });
    expect(response.status).toBe(201);
    await app.stop();
    deadRedis.disconnect();
  });
});

test("a database outage is 503, not 500", async () => {
  const deadPool = createPool("postgres://postgres@127.0.0.1:1/none");
  const app = flagApp({ pool: deadPool, publish: () => {} });
  const url = listen(app);
  const { status, body } = await fetch(`${url}/flags`, { headers: bearer(key) }).then(json);
  expect(status).toBe(503);
  expect(body.code).toBe("DATABASE_UNAVAILABLE");
  expect((await fetch(`${url}/health/ready`)).status).toBe(503);
  expect((await fetch(`${url}/health`)).status).toBe(200);
  await app.stop();
  await deadPool.end();
});

test("metrics count requests by route and status", async () => {
  const text = await fetch(`${base}/metrics`).then((response) => response.text());
  expect(text).toMatch(
    /http_requests_total\{method="GET",route="\/flags\/:name",status="200"\} \d+/,
  );
  expect(text).toContain("http_request_duration_seconds_bucket");
});

test("OpenAPI document lists the routes and the v2 fields", async () => {
  const { status, body } = await fetch(`${base}/openapi`).then(json);
  expect(status).toBe(200);
  expect(Object.keys(body.paths)).toEqual(
    expect.arrayContaining([
      "/flags",
      "/flags/{name}",
      "/flags/{name}/history",
      "/flagd/import",
      "/flagd/export",
    ]),
  );
  const created = body.paths["/flags"].post.requestBody.content["application/json"].schema;
  expect(Object.keys(created.properties)).toEqual(
    expect.arrayContaining(["name", "variants", "default_variant", "metadata"]),
  );
});
