import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import crypto from "node:crypto";
import { createPool, databaseErrors, migrate, pingDatabase } from "@togglemaster/shared/db";
import type { EdgeOptions } from "@togglemaster/shared/http";
import { Registry } from "@togglemaster/shared/metrics";
import {
  bearer,
  createTestDatabase,
  json,
  listen,
  memoryLogger,
  type TestDatabase,
} from "../../test/support/testing.ts";
import { type AuthAppOptions, createAuthApp } from "./app.ts";
import { hashKey, KEY_PATTERN } from "./keys.ts";
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
const authApp = (
  options: Partial<Omit<AuthAppOptions, "edge">> = {},
  edge: Partial<EdgeOptions> = {},
) =>
  createAuthApp({
    store: createKeyStore(pool),
    masterKey: MASTER_KEY,
    jwtSecret: JWT_SECRET,
    tokenTtlSeconds: 900,
    adminRateLimit: 10_000,
    edge: { service: "auth", logger, metrics: new Registry(), ...edge },
    ...options,
  });

beforeAll(async () => {
  database = await createTestDatabase("auth");
  pool = createPool(database.url);
  await migrate(pool, "auth", migrations);
  app = authApp({}, { ready: { database: pingDatabase(pool) }, errorMappers: [databaseErrors] });
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

  test("v1's bare Authorization header (no Bearer prefix) is accepted", async () => {
    const { key } = await createKey();
    const { status } = await fetch(`${base}/validate`, { headers: { authorization: key } }).then(
      json,
    );
    expect(status).toBe(200);
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
  const open = authApp({ adminRateLimit: 100 }, { corsOrigins: ["https://app.example"] });
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

test("the limit is per real client: entries a client adds to X-Forwarded-For change nothing", async () => {
  const limited = authApp({ adminRateLimit: 3 });
  const url = listen(limited);
  // Behind the ingress, the last entry is the address the proxy saw; the rest is the client's.
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++)
    statuses.push(
      (
        await fetch(`${url}/admin/keys`, {
          headers: { ...bearer("wrong-guess"), "x-forwarded-for": `10.0.0.${i}, 198.51.100.7` },
        })
      ).status,
    );
  expect(statuses).toEqual([403, 403, 403, 429]);
  await limited.stop();
});

test("the master key is checked with timingSafeEqual", async () => {
  const compare = spyOn(crypto, "timingSafeEqual");
  try {
    expect((await fetch(`${base}/admin/keys`, { headers: bearer("wrong-guess") })).status).toBe(
      403,
    );
    expect((await fetch(`${base}/admin/keys`, { headers: bearer(MASTER_KEY) })).status).toBe(200);
    expect(compare).toHaveBeenCalledTimes(2);
  } finally {
    compare.mockRestore();
  }
});

test("a body streamed without Content-Length is cut off with 413 past the limit", async () => {
  const chunk = new TextEncoder().encode(`{"name":"${"x".repeat(16 * 1024)}`);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 8) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const response = await fetch(`${base}/admin/keys`, {
    method: "POST",
    headers: bearer(MASTER_KEY),
    body: stream,
  });
  expect(response.status).toBe(413);
  expect((await response.json()).code).toBe("PAYLOAD_TOO_LARGE");
});

test("a body over the limit is refused with 413 before it is parsed", async () => {
  const { status, body } = await post("/admin/keys", JSON.stringify({ name: "x".repeat(70_000) }));
  expect(status).toBe(413);
  expect(body.code).toBe("PAYLOAD_TOO_LARGE");
});

describe("the keys' audit trail", () => {
  const get = (path: string, headers: Record<string, string> = bearer(MASTER_KEY)) =>
    fetch(`${base}${path}`, { headers }).then(json);
  const revoke = (id: number) =>
    fetch(`${base}/admin/keys/${id}`, { method: "DELETE", headers: bearer(MASTER_KEY) });
  const everyEntry = async () => (await get("/admin/keys/history?limit=100")).body.entries;
  const about = (id: number) => (entry: { before: { id: number }; after: { id: number } }) =>
    (entry.after ?? entry.before).id === id;
  const masterKey = { id: null, name: "master key" };

  test("a creation and a revocation appear exactly once, with the master key and the key before and after", async () => {
    const { id, name } = await createKey("audited-key");
    expect((await revoke(id)).status).toBe(204);
    // A second revocation changes nothing, so it records nothing.
    expect((await revoke(id)).status).toBe(204);

    const { status, body } = await get(`/admin/keys/${id}/history`);
    expect(status).toBe(200);
    const [listed] = (await get("/admin/keys")).body.filter((key: { id: number }) => key.id === id);
    const active = { ...listed, is_active: true };
    expect(body).toEqual({
      entries: [
        {
          id: expect.any(Number),
          at: expect.any(String),
          key: masterKey,
          action: "updated",
          before: active,
          after: { ...active, is_active: false },
        },
        {
          id: expect.any(Number),
          at: expect.any(String),
          key: masterKey,
          action: "created",
          before: null,
          after: active,
        },
      ],
      next: null,
    });
    expect(active).toMatchObject({ id, name, created_at: expect.any(String) });
    expect(body.entries[0].id).toBeGreaterThan(body.entries[1].id);
    expect(new Date(body.entries[1].at).toISOString()).toBe(body.entries[1].at);
    expect((await everyEntry()).filter(about(id))).toEqual(body.entries);
  });

  test("no entry holds a key or its hash", async () => {
    const created = await Promise.all(["one", "two"].map((name) => createKey(`secret-${name}`)));
    for (const { id } of created) await revoke(id);
    const secrets = created.flatMap(({ key }) => [key, hashKey(key)]);
    const { rows } = await pool.query(
      "SELECT row_to_json(audit_log)::text AS entry FROM audit_log",
    );
    const answered = JSON.stringify(await everyEntry());
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const text of [...rows.map((row) => row.entry as string), answered, ...logger.lines])
      for (const secret of [...secrets, MASTER_KEY, "tm_key_", "key_hash"])
        expect(text).not.toContain(secret);
  });

  test("a change whose entry cannot be written is not made", async () => {
    const keysBefore = (await get("/admin/keys")).body;
    const { id } = await createKey("kept-active");
    const trailBefore = await everyEntry();
    await pool.query(`
      CREATE FUNCTION refuse_entry() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'no entry today'; END; $$ LANGUAGE plpgsql;
      CREATE TRIGGER refuse_entry BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION refuse_entry();`);
    try {
      expect((await post("/admin/keys", '{"name":"never-made"}')).status).toBe(500);
      expect((await revoke(id)).status).toBe(500);
    } finally {
      await pool.query("DROP TRIGGER refuse_entry ON audit_log; DROP FUNCTION refuse_entry();");
    }
    const keysAfter = (await get("/admin/keys")).body;
    expect(keysAfter.map((key: { name: string }) => key.name)).toEqual([
      ...keysBefore.map((key: { name: string }) => key.name),
      "kept-active",
    ]);
    expect(keysAfter.at(-1)).toMatchObject({ id, is_active: true });
    expect(await everyEntry()).toEqual(trailBefore);
  });

  test("no route edits the trail, and the database refuses to", async () => {
    const { id } = await createKey("untouchable");
    const trail = await everyEntry();
    for (const path of ["/admin/keys/history", `/admin/keys/${id}/history`])
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        const { status } = await fetch(`${base}${path}`, {
          method,
          headers: bearer(MASTER_KEY),
          body: '{"entries":[]}',
        });
        expect({ method, path, refused: status >= 400 }).toEqual({ method, path, refused: true });
      }
    for (const statement of [
      "UPDATE audit_log SET key_name = 'someone else'",
      "DELETE FROM audit_log",
      "TRUNCATE audit_log",
    ])
      await expect(pool.query(statement)).rejects.toThrow("audit_log is append-only");
    expect(await everyEntry()).toEqual(trail);
  });

  test("pages walk the whole trail newest first, without gaps or repeats", async () => {
    for (const name of ["p1", "p2", "p3"]) await createKey(name);
    const whole = await everyEntry();
    const walked: { id: number }[] = [];
    let before: number | null = null;
    do {
      const query: string = before === null ? "" : `&before=${before}`;
      const { body } = await get(`/admin/keys/history?limit=2${query}`);
      expect(body.entries.length).toBeLessThanOrEqual(2);
      walked.push(...body.entries);
      before = body.next;
    } while (before !== null);
    expect(walked).toEqual(whole);
    expect(walked.map((entry) => entry.id)).toEqual(
      walked.map((entry) => entry.id).sort((a, b) => b - a),
    );
    expect((await get("/admin/keys/history")).body.entries).toHaveLength(
      Math.min(20, whole.length),
    );
  });

  test("a key never created has an empty trail", async () => {
    expect((await get("/admin/keys/2000000000/history")).body).toEqual({ entries: [], next: null });
  });

  test.each([
    ["?limit=0", "'limit'"],
    ["?limit=101", "'limit'"],
    ["?before=x", "'before'"],
  ])("400 for %s", async (query, field) => {
    const { status, body } = await get(`/admin/keys/history${query}`);
    expect(status).toBe(400);
    expect(body.error).toContain(field);
  });

  test.each(["/admin/keys/history", "/admin/keys/1/history"])(
    "%s needs the master key",
    async (path) => {
      const { status, body } = await get(path, bearer("not-the-master-key"));
      expect(status).toBe(403);
      expect(body.error).toBe("Acesso não autorizado");
    },
  );
});
