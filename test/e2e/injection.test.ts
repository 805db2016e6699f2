/**
 * SQL injection through every field that reaches a query: each payload is either stored
 * and returned literally or refused with a 400, and every table is intact afterwards.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { MASTER_KEY, type Stack, startStack } from "../support/stack.ts";

const PAYLOADS = [
  "'; DROP TABLE flags; --",
  "x' OR '1'='1",
  "1; DELETE FROM api_keys",
  "\\'; TRUNCATE targeting_rules; --",
  "$1) ; SELECT pg_sleep(5); --",
  "' UNION SELECT key_hash FROM api_keys --",
];

let stack: Stack;
let key: string;

beforeAll(async () => {
  stack = await startStack({ services: ["auth", "flag", "targeting"] });
  key = (await stack.createKey("injection")).key;
}, 120_000);

afterAll(() => stack?.stop());

async function send(
  service: "auth" | "flag" | "targeting",
  method: string,
  path: string,
  body?: unknown,
  credential = key,
) {
  const response = await fetch(`${stack.url(service)}${path}`, {
    method,
    headers: { authorization: `Bearer ${credential}` },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(4_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

test.each(PAYLOADS)("payload %p is data, never SQL", async (payload) => {
  const keyName = await send("auth", "POST", "/admin/keys", { name: payload }, MASTER_KEY);
  expect(keyName.status).toBe(201);
  expect(keyName.body.name).toBe(payload);
  expect((await send("auth", "GET", "/validate", undefined, payload)).status).toBe(401);
  expect(
    (
      await send(
        "auth",
        "DELETE",
        `/admin/keys/${encodeURIComponent(payload)}`,
        undefined,
        MASTER_KEY,
      )
    ).status,
  ).toBe(400);

  const flagName = `inj-${PAYLOADS.indexOf(payload)}`;
  const created = await send("flag", "POST", "/flags", { name: flagName, description: payload });
  expect(created.status).toBe(201);
  expect(created.body.description).toBe(payload);
  expect((await send("flag", "POST", "/flags", { name: payload })).status).toBe(400);
  expect((await send("flag", "GET", `/flags/${encodeURIComponent(payload)}`)).status).toBe(400);
  expect(
    (await send("flag", "PUT", `/flags/${flagName}`, { description: payload })).body.description,
  ).toBe(payload);

  const rule = await send("targeting", "POST", "/rules", {
    flag_name: flagName,
    rules: { type: "USER_LIST", values: [payload] },
  });
  expect(rule.status).toBe(201);
  expect(rule.body.rules.values).toEqual([payload]);
  expect(
    (await send("targeting", "PUT", `/rules/${encodeURIComponent(payload)}`, { is_enabled: false }))
      .status,
  ).toBe(400);
});

test("every table is intact and holds exactly what was written", async () => {
  const flags = await send("flag", "GET", "/flags");
  expect(flags.status).toBe(200);
  expect(flags.body.filter((flag: { name: string }) => flag.name.startsWith("inj-"))).toHaveLength(
    PAYLOADS.length,
  );
  expect((await send("targeting", "GET", "/rules/inj-0")).status).toBe(200);
  const keys = await send("auth", "GET", "/admin/keys", undefined, MASTER_KEY);
  expect(keys.body.map((entry: { name: string }) => entry.name)).toEqual(
    expect.arrayContaining(PAYLOADS),
  );
  expect((await send("auth", "GET", "/validate")).status).toBe(200);
});
