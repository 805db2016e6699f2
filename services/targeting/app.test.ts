import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKeyValidator } from "@togglemaster/shared/auth-guard";
import { createPool, migrate } from "@togglemaster/shared/db";
import { Registry } from "@togglemaster/shared/metrics";
import {
  bearer,
  createTestDatabase,
  json,
  listen,
  memoryLogger,
  type TestDatabase,
} from "@togglemaster/shared/testing";
import { type AuthFixture, startAuthService } from "../auth/fixture.ts";
import { createTargetingApp } from "./app.ts";
import { migrations } from "./migrations/index.ts";
import { createRuleStore } from "./store.ts";

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
  app = createTargetingApp(createRuleStore(pool), {
    validateKey: createKeyValidator({ authUrl: auth.url }),
    jwtSecret: auth.jwtSecret,
    publish: (notice) => published.push(`${notice.action}:${notice.name}`),
    logger: memoryLogger("targeting"),
    metrics: new Registry(),
    ready: {},
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
