import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPool, migrate } from "@togglemaster/shared/db";
import { type AuthFixture, startAuthService } from "../../test/support/auth.ts";
import { testParts } from "../../test/support/data-service.ts";
import {
  bearer,
  createTestDatabase,
  json,
  listen,
  memoryLogger,
  type TestDatabase,
} from "../../test/support/testing.ts";
import { createTargetingApp } from "./app.ts";
import { migrations } from "./migrations/index.ts";
import { createTargetingStore } from "./store.ts";

let auth: AuthFixture;
let database: TestDatabase;
let pool: ReturnType<typeof createPool>;
let app: ReturnType<typeof createTargetingApp>;
let base: string;
let key: string;
const published: string[] = [];

beforeAll(async () => {
  auth = await startAuthService();
  database = await createTestDatabase("targeting");
  pool = createPool(database.url);
  await migrate(pool, "targeting", migrations);
  app = createTargetingApp({
    ...testParts({
      pool,
      authUrl: auth.url,
      jwtSecret: auth.jwtSecret,
      logger: memoryLogger("targeting"),
      publish: (notice) =>
        published.push(
          notice.kind === "rule"
            ? `${notice.action}:${notice.name}`
            : `${notice.kind}:${notice.action}:${notice.name}`,
        ),
    }),
    store: createTargetingStore(pool),
  });
  base = listen(app);
  key = (await auth.createKey("targeting-tests")).key;
});

afterAll(async () => {
  await app.stop();
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

const RULE_FIELDS = ["created_at", "flag_name", "id", "is_enabled", "rules", "updated_at"];

describe("POST /rules", () => {
  test("201 with a PERCENTAGE rule, enabled by default", async () => {
    const { status, body } = await call("POST", "/rules", {
      flag_name: "pct",
      rules: { type: "PERCENTAGE", value: 50 },
    });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(RULE_FIELDS);
    expect(body).toMatchObject({
      flag_name: "pct",
      is_enabled: true,
      rules: { type: "PERCENTAGE", value: 50 },
    });
  });

  test("201 with a USER_LIST rule, kept as a JSON array", async () => {
    const { status, body } = await call("POST", "/rules", {
      flag_name: "list",
      is_enabled: false,
      rules: { type: "USER_LIST", values: ["u1", "ção"] },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      is_enabled: false,
      rules: { type: "USER_LIST", values: ["u1", "ção"] },
    });
    const { rows } = await pool.query(
      "SELECT jsonb_typeof(rules->'values') AS kind FROM targeting_rules WHERE flag_name = 'list'",
    );
    expect(rows[0].kind).toBe("array");
  });

  test("409 for a second rule on the same flag", async () => {
    const { status, body } = await call("POST", "/rules", {
      flag_name: "pct",
      rules: { type: "PERCENTAGE", value: 1 },
    });
    expect(status).toBe(409);
    expect(body.error).toBe("Regra para a flag 'pct' já existe");
  });

  test.each([
    [
      "no flag_name",
      { rules: { type: "PERCENTAGE", value: 1 } },
      "'flag_name' e 'rules' (JSON) são obrigatórios",
    ],
    ["no rules", { flag_name: "x" }, "'flag_name' e 'rules' (JSON) são obrigatórios"],
    [
      "null rules",
      { flag_name: "x", rules: null },
      "'flag_name' e 'rules' (JSON) são obrigatórios",
    ],
    ["an empty body", "", "'flag_name' e 'rules' (JSON) são obrigatórios"],
    ["invalid JSON", "{]", "Corpo da requisição inválido"],
    [
      "an unknown type",
      { flag_name: "x", rules: { type: "GEO", value: 1 } },
      'Tipo de regra desconhecido: "GEO" (use PERCENTAGE ou USER_LIST)',
    ],
    [
      "a percentage above 100",
      { flag_name: "x", rules: { type: "PERCENTAGE", value: 101 } },
      "'rules.value' deve ser um número entre 0 e 100 para regras PERCENTAGE",
    ],
    [
      "a negative percentage",
      { flag_name: "x", rules: { type: "PERCENTAGE", value: -1 } },
      "'rules.value' deve ser um número entre 0 e 100 para regras PERCENTAGE",
    ],
    [
      "a string percentage",
      { flag_name: "x", rules: { type: "PERCENTAGE", value: "50" } },
      "'rules.value' deve ser um número entre 0 e 100 para regras PERCENTAGE",
    ],
    [
      "a user list of numbers",
      { flag_name: "x", rules: { type: "USER_LIST", values: [1] } },
      "'rules.values' deve ser uma lista de textos (até 256 caracteres cada) para regras USER_LIST",
    ],
    [
      "rules as a string",
      { flag_name: "x", rules: "PERCENTAGE" },
      "'rules' deve ser um objeto JSON com o campo 'type'",
    ],
    [
      "a flag_name over 100 characters",
      { flag_name: "f".repeat(101), rules: { type: "PERCENTAGE", value: 1 } },
      "'flag_name' deve ter no máximo 100 caracteres",
    ],
  ])("400 for %s", async (_, payload, message) => {
    const { status, body } = await call("POST", "/rules", payload);
    expect(status).toBe(400);
    expect(body.error).toBe(message);
  });
});

describe("GET /rules/:flag_name", () => {
  test("200 and 404", async () => {
    expect((await call("GET", "/rules/pct")).body.rules).toEqual({ type: "PERCENTAGE", value: 50 });
    const missing = await call("GET", "/rules/none");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("Regra não encontrada");
  });
});

describe("PUT /rules/:flag_name", () => {
  test("replaces the rule and keeps updated_at current", async () => {
    const before = (await call("GET", "/rules/pct")).body;
    await Bun.sleep(5);
    const { status, body } = await call("PUT", "/rules/pct", {
      rules: { type: "USER_LIST", values: ["a"] },
    });
    expect(status).toBe(200);
    expect(body.rules).toEqual({ type: "USER_LIST", values: ["a"] });
    expect(Date.parse(body.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
    expect((await call("PUT", "/rules/pct", { is_enabled: false })).body).toMatchObject({
      is_enabled: false,
      rules: { type: "USER_LIST", values: ["a"] },
    });
  });

  test.each([
    ["an empty body", "", "Corpo da requisição obrigatório"],
    ["neither field", { foo: 1 }, "Pelo menos um campo ('rules', 'is_enabled') é obrigatório"],
    [
      "an invalid rule",
      { rules: { type: "PERCENTAGE", value: 1000 } },
      "'rules.value' deve ser um número entre 0 e 100 para regras PERCENTAGE",
    ],
  ])("400 for %s", async (_, payload, message) => {
    const { status, body } = await call("PUT", "/rules/pct", payload);
    expect(status).toBe(400);
    expect(body.error).toBe(message);
  });

  test("404 for an unknown flag", async () => {
    const { status, body } = await call("PUT", "/rules/none", { is_enabled: true });
    expect(status).toBe(404);
    expect(body.error).toBe("Regra não encontrada");
  });
});

describe("DELETE /rules/:flag_name", () => {
  test("204 then 404", async () => {
    await call("POST", "/rules", { flag_name: "gone", rules: { type: "PERCENTAGE", value: 5 } });
    const first = await fetch(`${base}/rules/gone`, { method: "DELETE", headers: bearer(key) });
    expect(first.status).toBe(204);
    expect((await call("DELETE", "/rules/gone")).status).toBe(404);
  });
});

test("every write is announced, reads are not", async () => {
  expect(published).toEqual(
    expect.arrayContaining(["created:pct", "updated:pct", "created:gone", "deleted:gone"]),
  );
  expect(published.filter((entry) => entry.endsWith(":none"))).toEqual([]);
});

test("401 without credentials, 200 with a JWT", async () => {
  const anonymous = await fetch(`${base}/rules/pct`).then(json);
  expect(anonymous.status).toBe(401);
  expect(anonymous.body.error).toBe("Authorization header obrigatório");
  expect((await call("GET", "/rules/pct", undefined, await auth.token(key))).status).toBe(200);
});

describe("JSONLOGIC rules", () => {
  test("flagd targeting is stored as given, unknown operators and dangling $refs included", async () => {
    const rules = {
      type: "JSONLOGIC",
      targeting: { if: [{ no_such_op: [{ $ref: "missing" }] }, "on", null] },
    };
    const { status, body } = await call("POST", "/rules", { flag_name: "logic", rules });
    expect(status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(RULE_FIELDS);
    expect(body.rules).toEqual(rules);
    expect((await call("GET", "/rules/logic")).body.rules).toEqual(rules);
  });

  test.each([
    [
      "targeting that is not an object",
      { type: "JSONLOGIC", targeting: [1] },
      "'rules.targeting' deve ser um objeto JsonLogic para regras JSONLOGIC",
    ],
    [
      "no targeting",
      { type: "JSONLOGIC" },
      "'rules.targeting' deve ser um objeto JsonLogic para regras JSONLOGIC",
    ],
  ])("400 for %s", async (_, rules, message) => {
    const { status, body } = await call("POST", "/rules", { flag_name: "bad-logic", rules });
    expect(status).toBe(400);
    expect(body.error).toBe(message);
  });
});

test("GET /rules lists every rule ordered by flag name", async () => {
  const { status, body } = await call("GET", "/rules");
  expect(status).toBe(200);
  const names = body.map((rule: { flag_name: string }) => rule.flag_name);
  expect(names).toEqual([...names].sort());
  expect(names).toEqual(expect.arrayContaining(["list", "logic", "pct"]));
  for (const rule of body) expect(Object.keys(rule).sort()).toEqual(RULE_FIELDS);
});

describe("segments", () => {
  const SEGMENT_FIELDS = ["created_at", "definition", "description", "id", "name", "updated_at"];
  const definition = { ends_with: [{ var: "email" }, "@example.com"] };

  test("POST 201, GET, PUT, DELETE 204 then 404", async () => {
    const created = await call("POST", "/segments", { name: "staff", definition });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(SEGMENT_FIELDS);
    expect(created.body).toMatchObject({ name: "staff", definition, description: "" });
    expect((await call("GET", "/segments/staff")).body).toEqual(created.body);

    const updated = await call("PUT", "/segments/staff", { description: "Our staff" });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ definition, description: "Our staff" });
    const redefined = await call("PUT", "/segments/staff", { definition: { "==": [1, 1] } });
    expect(redefined.body).toMatchObject({
      definition: { "==": [1, 1] },
      description: "Our staff",
    });
    expect((await call("GET", "/segments/staff")).body).toEqual(redefined.body);

    expect((await call("DELETE", "/segments/staff")).status).toBe(204);
    expect((await call("GET", "/segments/staff")).status).toBe(404);
    const again = await call("DELETE", "/segments/staff");
    expect(again.status).toBe(404);
    expect(again.body.error).toBe("Segmento não encontrado");
  });

  test("GET /segments is ordered by name; 409 for a duplicate", async () => {
    for (const name of ["zeta-users", "alpha-users"])
      expect((await call("POST", "/segments", { name, definition })).status).toBe(201);
    const duplicate = await call("POST", "/segments", { name: "alpha-users", definition });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toBe("Segmento 'alpha-users' já existe");
    const names = (await call("GET", "/segments")).body.map((s: { name: string }) => s.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["alpha-users", "zeta-users"]));
  });

  test.each([
    ["no definition", { name: "s" }, "'name' e 'definition' (JSON) são obrigatórios"],
    ["no name", { definition }, "'name' e 'definition' (JSON) são obrigatórios"],
    [
      "a definition that is a list",
      { name: "s", definition: [1] },
      "'definition' deve ser um objeto JsonLogic",
    ],
    [
      "a definition that is text",
      { name: "s", definition: "x" },
      "'definition' deve ser um objeto JsonLogic",
    ],
    [
      "a name with a space",
      { name: "a b", definition },
      "'name' deve ser um texto de letras, números, '_', '-', '.' ou ':'",
    ],
  ])("POST 400 for %s", async (_, payload, message) => {
    const { status, body } = await call("POST", "/segments", payload);
    expect(status).toBe(400);
    expect(body.error).toBe(message);
  });

  test("PUT 400 without a field, 404 for an unknown segment", async () => {
    const none = await call("PUT", "/segments/alpha-users", { other: 1 });
    expect(none.status).toBe(400);
    expect(none.body.error).toBe("Pelo menos um campo ('definition', 'description') é obrigatório");
    expect((await call("PUT", "/segments/nobody", { description: "x" })).status).toBe(404);
  });

  test("every write is announced as a segment notice", () => {
    expect(published).toEqual(
      expect.arrayContaining([
        "segment:created:staff",
        "segment:updated:staff",
        "segment:deleted:staff",
      ]),
    );
  });
});

describe("the internal flagd routes", () => {
  test.each([
    ["sections that are not objects", { rules: [], segments: {} }, "'rules' deve ser um objeto"],
    ["an invalid flag name", { rules: { "a b": null }, segments: {} }, 'nome inválido "a b"'],
    [
      "an invalid rule",
      { rules: { f: { type: "PERCENTAGE", value: 200 } }, segments: {} },
      "rules 'f': 'rules.value'",
    ],
    ["a segment that is not JsonLogic", { rules: {}, segments: { s: 1 } }, "segments 's'"],
  ])("an import with %s is a 400 and changes nothing", async (_, payload, message) => {
    const before = await call("GET", "/rules");
    const { status, body } = await call("PUT", "/flagd/targeting", payload);
    expect(status).toBe(400);
    expect(body.error).toContain(message);
    expect(await call("GET", "/rules")).toEqual(before);
  });

  test("an import answers what it changed and how it was; a restore puts it back", async () => {
    const before = (await call("GET", "/rules/pct")).body;
    const { status, body } = await call("PUT", "/flagd/targeting", {
      rules: { pct: { type: "PERCENTAGE", value: 75 }, "new-one": null },
      segments: { imported: { "==": [1, 1] } },
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      rules: { pct: "updated", "new-one": "unchanged" },
      segments: { imported: "created" },
      previous: {
        rules: { pct: { rules: before.rules, is_enabled: before.is_enabled } },
        segments: { imported: null },
      },
    });
    expect((await call("GET", "/rules/pct")).body).toMatchObject({
      is_enabled: true,
      rules: { type: "PERCENTAGE", value: 75 },
    });
    const restored = await call("PUT", "/flagd/targeting/restore", body.previous);
    expect(restored).toEqual({ status: 200, body: { restored: 2 } });
    expect((await call("GET", "/rules/pct")).body).toMatchObject({
      is_enabled: before.is_enabled,
      rules: before.rules,
    });
    expect((await call("GET", "/segments/imported")).status).toBe(404);
  });
});

test("OpenAPI document lists the v2 routes", async () => {
  const { status, body } = await fetch(`${base}/openapi`).then(json);
  expect(status).toBe(200);
  expect(Object.keys(body.paths)).toEqual(
    expect.arrayContaining([
      "/rules",
      "/rules/{flag_name}",
      "/rules/{flag_name}/history",
      "/segments",
      "/segments/{name}",
      "/segments/{name}/history",
    ]),
  );
  expect(body.paths["/segments"].post.summary).toBe("Create a segment (a flagd shared evaluator)");
});
