import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPool, migrate, pingDatabase } from "@togglemaster/shared/db";
import { Registry } from "@togglemaster/shared/metrics";
import {
  bearer,
  createTestDatabase,
  json,
  listen,
  memoryLogger,
  type TestDatabase,
} from "@togglemaster/shared/testing";
import { type AuthAppOptions, createAuthApp } from "./app.ts";
import { KEY_PATTERN } from "./keys.ts";
import { migrations } from "./migrations/index.ts";
import { createKeyStore } from "./store.ts";

const MASTER_KEY = "master-key-for-tests-0123456789";
const JWT_SECRET = "jwt-secret-for-tests-0123456789abcdef";

let database: TestDatabase;
let pool: ReturnType<typeof createPool>;
let base: string;
let app: ReturnType<typeof createAuthApp>;
const logger = memoryLogger("auth");

/** The auth app on the test database; each test changes only what it is about. */
const authApp = (options: Partial<AuthAppOptions> = {}) =>
  createAuthApp({
    store: createKeyStore(pool),
    masterKey: MASTER_KEY,
    jwtSecret: JWT_SECRET,
    tokenTtlSeconds: 900,
    adminRateLimit: 10_000,
    logger,
    metrics: new Registry(),
    ready: {},
    ...options,
  });

beforeAll(async () => {
  database = await createTestDatabase("auth");
  pool = createPool(database.url);
  await migrate(pool, "auth", migrations);
  app = authApp({ ready: { database: pingDatabase(pool) } });
  base = listen(app);
});

afterAll(async () => {
  await app.stop();
  await pool.end();
  await database.drop();
});

const post = (path: string, body: string, headers: Record<string, string> = bearer(MASTER_KEY)) =>
  fetch(`${base}${path}`, { method: "POST", body, headers }).then(json);

async function createKey(name = "client") {
  const { status, body } = await post("/admin/keys", JSON.stringify({ name }));
  expect(status).toBe(201);
  return body as { id: number; name: string; key: string; message: string };
}

describe("GET /health", () => {
  test("answers ok", async () => {
    expect(await fetch(`${base}/health`).then(json)).toEqual({
      status: 200,
      body: { status: "ok" },
    });
  });

  test("readiness reports the database", async () => {
    const { status, body } = await fetch(`${base}/health/ready`).then(json);
    expect(status).toBe(200);
    expect(body).toEqual({ status: "ready", checks: { database: "ok" } });
  });
});

describe("POST /admin/keys", () => {
  test("creates a key shown once, stores only its SHA-256", async () => {
    const created = await createKey("mobile-app");
    expect(created.name).toBe("mobile-app");
    expect(created.key).toMatch(KEY_PATTERN);
    expect(created.message).toBe(
      "Guarde esta chave com segurança! Você não poderá vê-la novamente.",
    );
    const { rows } = await pool.query("SELECT key_hash FROM api_keys WHERE id = $1", [created.id]);
    const digest = new Bun.CryptoHasher("sha256").update(created.key).digest("hex");
    expect(rows[0].key_hash).toBe(digest);
  });

  test.each([
    ["no header", {}],
    ["wrong master key", bearer("not-the-master-key")],
    ["master key as prefix", bearer(`${MASTER_KEY}x`)],
  ])("403 with %s", async (_, headers) => {
    const { status, body } = await post(
      "/admin/keys",
      '{"name":"x"}',
      headers as Record<string, string>,
    );
    expect(status).toBe(403);
    expect(body.error).toBe("Acesso não autorizado");
  });

  test("403 comes before reading a malformed body", async () => {
    expect((await post("/admin/keys", "{not json", {})).status).toBe(403);
  });

  test.each([
    ["invalid JSON", "{nope", "Corpo da requisição inválido"],
    ["a non-string name", '{"name": 42}', "Corpo da requisição inválido"],
    ["an array body", "[1]", "Corpo da requisição inválido"],
    ["a missing name", "{}", "O campo 'name' é obrigatório"],
    ["an empty name", '{"name": ""}', "O campo 'name' é obrigatório"],
    ["a null name", '{"name": null}', "O campo 'name' é obrigatório"],
    ["an empty body", "", "Corpo da requisição inválido"],
    [
      "a name over 100 characters",
      JSON.stringify({ name: "n".repeat(101) }),
      "O campo 'name' deve ter no máximo 100 caracteres",
    ],
  ])("400 for %s", async (_, payload, message) => {
    const { status, body } = await post("/admin/keys", payload);
    expect(status).toBe(400);
    expect(body.error).toBe(message);
  });
});

describe("GET /validate", () => {
  test("200 for an active key", async () => {
    const { key } = await createKey();
    const { status, body } = await fetch(`${base}/validate`, { headers: bearer(key) }).then(json);
    expect(status).toBe(200);
    expect(body).toEqual({ message: "Chave válida" });
  });

  test("401 without a header", async () => {
    const { status, body } = await fetch(`${base}/validate`).then(json);
    expect(status).toBe(401);
    expect(body.error).toBe("Authorization header não encontrado");
  });

  test("401 for an unknown key", async () => {
    const { status, body } = await fetch(`${base}/validate`, {
      headers: bearer(`tm_key_${"0".repeat(64)}`),
    }).then(json);
    expect(status).toBe(401);
    expect(body.error).toBe("Chave de API inválida ou inativa");
  });

  test("401 for a revoked key", async () => {
    const { id, key } = await createKey();
    const revoke = await fetch(`${base}/admin/keys/${id}`, {
      method: "DELETE",
      headers: bearer(MASTER_KEY),
    });
    expect(revoke.status).toBe(204);
    const { status, body } = await fetch(`${base}/validate`, { headers: bearer(key) }).then(json);
    expect(status).toBe(401);
    expect(body.error).toBe("Chave de API inválida ou inativa");
  });
});

describe("key administration", () => {
  test("lists keys without hashes", async () => {
    const created = await createKey("listed");
    const { status, body } = await fetch(`${base}/admin/keys`, {
      headers: bearer(MASTER_KEY),
    }).then(json);
    expect(status).toBe(200);
    const listed = body.find((key: { id: number }) => key.id === created.id);
    expect(Object.keys(listed).sort()).toEqual(["created_at", "id", "is_active", "name"]);
    expect(listed.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(JSON.stringify(body)).not.toContain(created.key.slice(7));
  });

  test("revoking an unknown key is 404, a bad id 400", async () => {
    const missing = await fetch(`${base}/admin/keys/999999`, {
      method: "DELETE",
      headers: bearer(MASTER_KEY),
    });
    expect(missing.status).toBe(404);
    const bad = await fetch(`${base}/admin/keys/abc`, {
      method: "DELETE",
      headers: bearer(MASTER_KEY),
    });
    expect(bad.status).toBe(400);
  });
});

describe("POST /token", () => {
  test("exchanges a key for a signed, expiring JWT", async () => {
    const { id, key } = await createKey("token-holder");
    const { status, body } = await post("/token", "", bearer(key));
    expect(status).toBe(200);
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(900);
    const [header, payload] = body.token
      .split(".")
      .slice(0, 2)
      .map((part: string) => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))));
    expect(header.alg).toBe("HS256");
    expect(payload.sub).toBe(String(id));
    expect(payload.exp - payload.iat).toBe(900);
  });

  test("401 for an unknown key", async () => {
    expect((await post("/token", "", bearer("tm_key_nope"))).status).toBe(401);
  });
});

test("never logs a key or the master key", async () => {
  const { key } = await createKey("secretive");
  await fetch(`${base}/validate`, { headers: bearer(key) });
  logger.flush();
  const all = logger.lines.join("\n");
  expect(all).toContain('"message":"request"');
  expect(all).not.toContain(key);
  expect(all).not.toContain(MASTER_KEY);
});

test("admin endpoints are rate-limited per client with Retry-After", async () => {
  const limited = authApp({ adminRateLimit: 3 });
  const url = listen(limited);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++)
    statuses.push((await fetch(`${url}/admin/keys`, { headers: bearer("wrong-guess") })).status);
  expect(statuses).toEqual([403, 403, 403, 429]);
  const refused = await fetch(`${url}/admin/keys`, { headers: bearer(MASTER_KEY) });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  expect((await refused.json()).code).toBe("RATE_LIMITED");
  const other = await fetch(`${url}/admin/keys`, {
    headers: { ...bearer(MASTER_KEY), "x-forwarded-for": "203.0.113.9" },
  });
  expect(other.status).toBe(200);
  expect((await fetch(`${url}/validate`)).status).toBe(401);
  await limited.stop();
});

test("every response carries the security headers and a request id", async () => {
  const response = await fetch(`${base}/health`, { headers: { "x-request-id": "trace-123" } });
  expect(response.headers.get("x-request-id")).toBe("trace-123");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
  const error = await fetch(`${base}/nowhere`);
  expect(error.status).toBe(404);
  expect(error.headers.get("x-content-type-options")).toBe("nosniff");
  expect(error.headers.get("x-request-id")).toMatch(/^[0-9a-z-]{14,}$/);
});

test("CORS is closed by default", async () => {
  const preflight = await fetch(`${base}/validate`, {
    method: "OPTIONS",
    headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
  });
  expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  const simple = await fetch(`${base}/health`, { headers: { origin: "https://evil.example" } });
  expect(simple.headers.get("access-control-allow-origin")).toBeNull();
});

test("CORS opens to configured origins only", async () => {
  const open = authApp({ adminRateLimit: 100, corsOrigins: ["https://app.example"] });
  const url = listen(open);
  const allowed = await fetch(`${url}/validate`, {
    method: "OPTIONS",
    headers: { origin: "https://app.example", "access-control-request-method": "GET" },
  });
  expect(allowed.status).toBe(204);
  expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
  expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
  const other = await fetch(`${url}/health`, { headers: { origin: "https://evil.example" } });
  expect(other.headers.get("access-control-allow-origin")).toBeNull();
  await open.stop();
});

test("a body over the limit is refused with 413 before it is parsed", async () => {
  const { status, body } = await post("/admin/keys", JSON.stringify({ name: "x".repeat(70_000) }));
  expect(status).toBe(413);
  expect(body.code).toBe("PAYLOAD_TOO_LARGE");
});
