/**
 * The audit trail: first the store (every write of an audited table leaves one entry in its
 * transaction), then through the services' APIs (flags, rules and segments, with the key
 * that made each change, paging, restarts, and no way to edit the trail).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pg from "pg";
import { HOSTILE_NAMES } from "../../test/support/data-service.ts";
import { type DataServices, startDataServices } from "../../test/support/evaluation.ts";
import { bearer, createTestDatabase, json, type TestDatabase } from "../../test/support/testing.ts";
import { AUDIT_LOG_SQL, auditedTable, type HistoryEntry } from "./audit.ts";
import { createPool, type Pool, withTransaction } from "./db.ts";

describe("audited tables", () => {
  let database: TestDatabase;
  let pool: Pool;
  const things = auditedTable<{ name: string; note: string; tags: string[] }, unknown>({
    table: "things",
    key: "name",
    columns: ["note", "tags"],
    jsonColumns: ["tags"],
    kind: "segment",
    show: (thing) => thing,
  });
  const by = { id: 7, name: 'it\'s "the" key' };

  beforeAll(async () => {
    database = await createTestDatabase("audit");
    pool = createPool(database.url);
    await pool.query(`CREATE TABLE things (
      id serial PRIMARY KEY, name text UNIQUE NOT NULL, note text, tags jsonb,
      created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
    await pool.query(AUDIT_LOG_SQL);
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  test.each(HOSTILE_NAMES)("%p: each write leaves one entry, read back as data", async (name) => {
    const created = await withTransaction(pool, (client) =>
      things(client).insert(by, { name, note: "n", tags: [name] }),
    );
    const updated = await withTransaction(pool, (client) =>
      things(client).update(by, name, { note: `'${name}'` }),
    );
    const removed = await withTransaction(pool, (client) => things(client).remove(by, name));
    const { entries, next } = await things(pool).history(name, {});
    expect(entries.map((entry) => entry.action)).toEqual(["deleted", "updated", "created"]);
    expect(entries.map((entry) => entry.key)).toEqual([by, by, by]);
    expect(entries[0]).toMatchObject({ before: removed, after: null });
    expect(entries[1]).toMatchObject({ before: created, after: updated });
    expect(entries[2]).toMatchObject({ before: null, after: created });
    expect(next).toBeNull();
  });

  test("a write that rolls back leaves no entry", async () => {
    const failing = withTransaction(pool, async (client) => {
      await things(client).insert(by, { name: "rolled-back", note: "n", tags: [] });
      throw new Error("abandoned");
    });
    await expect(failing).rejects.toThrow("abandoned");
    expect(await things(pool).get("rolled-back")).toBeUndefined();
    expect((await things(pool).history("rolled-back", {})).entries).toEqual([]);
  });

  test("pages walk the history newest first, without gaps or repeats", async () => {
    // Enough entries that ids cross from two digits to three: order is numeric, not textual.
    const writes = 110;
    await withTransaction(pool, (client) =>
      things(client).insert(by, { name: "paged", note: "0", tags: [] }),
    );
    for (let i = 1; i < writes; i++)
      await withTransaction(pool, (client) => things(client).update(by, "paged", { note: `${i}` }));
    const walked: HistoryEntry[] = [];
    let before: number | undefined;
    do {
      const page = await things(pool).history("paged", { limit: 25, before });
      walked.push(...page.entries);
      before = page.next ?? undefined;
    } while (before !== undefined);
    expect(walked).toHaveLength(writes);
    const ids = walked.map((entry) => entry.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(writes);
    expect(walked.map((entry) => (entry.after as { note: string }).note)).toEqual(
      Array.from({ length: writes }, (_, i) => `${writes - 1 - i}`),
    );
    expect((await things(pool).history("paged", {})).entries).toEqual(walked.slice(0, 20));
  });

  test.each([
    ["UPDATE", "UPDATE audit_log SET key_name = 'someone else'"],
    ["DELETE", "DELETE FROM audit_log"],
    ["TRUNCATE", "TRUNCATE audit_log"],
  ])("%s of entries is refused by the database itself", async (_, sql) => {
    const { rows: before } = await pool.query("SELECT count(*)::int AS n FROM audit_log");
    await expect(pool.query(sql)).rejects.toThrow("append-only");
    const { rows: after } = await pool.query("SELECT count(*)::int AS n FROM audit_log");
    expect(after).toEqual(before);
  });
});

describe("the audit trail through the APIs", () => {
  let stack: DataServices;
  let key: string;
  let keyId: number;
  let token: string;

  beforeAll(async () => {
    stack = await startDataServices();
    ({ key, id: keyId } = await stack.auth.createKey("audit-tests"));
    token = await stack.auth.token(key);
  });

  afterAll(() => stack.stop());

  const call = (base: string, method: string, path: string, body?: unknown, credential = key) =>
    fetch(`${base}${path}`, {
      method,
      headers: bearer(credential),
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(json);

  interface Subject {
    kind: string;
    service: () => string;
    restart: () => Promise<{ url: string }>;
    create: (name: string) => [string, unknown];
    update: (name: string, step: number) => unknown;
    path: (name: string) => string;
    collection: string;
  }

  const subjects: Subject[] = [
    {
      kind: "flag",
      service: () => stack.flag.url,
      restart: () => stack.startFlag(),
      collection: "/flags",
      create: (name) => ["/flags", { name, description: "audited" }],
      update: (_, step) => ({ description: `step ${step}`, is_enabled: step % 2 === 0 }),
      path: (name) => `/flags/${name}`,
    },
    {
      kind: "rule",
      service: () => stack.targeting.url,
      restart: () => stack.startTargeting(),
      collection: "/rules",
      create: (name) => ["/rules", { flag_name: name, rules: { type: "PERCENTAGE", value: 10 } }],
      update: (_, step) => ({ rules: { type: "USER_LIST", values: [`user-${step}`] } }),
      path: (name) => `/rules/${name}`,
    },
    {
      kind: "segment",
      service: () => stack.targeting.url,
      restart: () => stack.startTargeting(),
      collection: "/segments",
      create: (name) => ["/segments", { name, definition: { "==": [{ var: "plan" }, "pro"] } }],
      update: (_, step) => ({ definition: { "==": [{ var: "step" }, step] } }),
      path: (name) => `/segments/${name}`,
    },
  ];

  describe.each(subjects)("$kind", (subject) => {
    const history = async (name: string, query = "", base = subject.service()) => {
      const { status, body } = await call(base, "GET", `${subject.path(name)}/history${query}`);
      expect(status).toBe(200);
      return body as { entries: HistoryEntry[]; next: number | null };
    };

    test("create, update and delete each appear once, with the key and the records", async () => {
      const name = `${subject.kind}-lifecycle`;
      const [path, body] = subject.create(name);
      const created = await call(subject.service(), "POST", path, body);
      expect(created.status).toBe(201);
      expect((await history(name)).entries).toHaveLength(1);
      const updated = await call(
        subject.service(),
        "PUT",
        subject.path(name),
        subject.update(name, 1),
      );
      expect(updated.status).toBe(200);
      expect((await history(name)).entries).toHaveLength(2);
      expect((await call(subject.service(), "DELETE", subject.path(name))).status).toBe(204);

      const { entries, next } = await history(name);
      expect(next).toBeNull();
      expect(entries.map((entry) => entry.action)).toEqual(["deleted", "updated", "created"]);
      for (const entry of entries) expect(entry.key).toEqual({ id: keyId, name: "audit-tests" });
      expect(entries[2]).toMatchObject({ before: null, after: created.body });
      expect(entries[1]).toMatchObject({ before: created.body, after: updated.body });
      expect(entries[0]).toMatchObject({ before: updated.body, after: null });
      const ids = entries.map((entry) => entry.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(entries.every((entry) => !Number.isNaN(Date.parse(entry.at)))).toBe(true);
    });

    test("a change made with a JWT names the key the token was issued for", async () => {
      const name = `${subject.kind}-by-token`;
      const [path, body] = subject.create(name);
      expect((await call(subject.service(), "POST", path, body, token)).status).toBe(201);
      const { entries } = await history(name);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.key).toEqual({ id: keyId, name: "audit-tests" });
    });

    test("a refused write leaves no entry", async () => {
      const name = `${subject.kind}-refused`;
      const [path, body] = subject.create(name);
      await call(subject.service(), "POST", path, body);
      expect((await call(subject.service(), "POST", path, body)).status).toBe(409);
      expect((await call(subject.service(), "PUT", subject.path(name), {})).status).toBe(400);
      expect((await history(name)).entries).toHaveLength(1);
    });

    test("pages walk the whole history, and it survives a restart of the service", async () => {
      const name = `${subject.kind}-paged`;
      const [path, body] = subject.create(name);
      await call(subject.service(), "POST", path, body);
      for (let step = 1; step <= 6; step++)
        await call(subject.service(), "PUT", subject.path(name), subject.update(name, step));
      const all = await history(name);
      expect(all.entries).toHaveLength(7);

      const first = await history(name, "?limit=3");
      expect(first.entries).toEqual(all.entries.slice(0, 3));
      const second = await history(name, `?limit=3&before=${first.next}`);
      expect(second.entries).toEqual(all.entries.slice(3, 6));
      const last = await history(name, `?limit=3&before=${second.next}`);
      expect(last.entries).toEqual(all.entries.slice(6));
      expect(last.next).toBeNull();

      const restarted = await subject.restart();
      expect(await history(name, "", restarted.url)).toEqual(all);
    });

    test("the history of a deleted record stays readable", async () => {
      const name = `${subject.kind}-gone`;
      const [path, body] = subject.create(name);
      await call(subject.service(), "POST", path, body);
      await call(subject.service(), "DELETE", subject.path(name));
      expect((await call(subject.service(), "GET", subject.path(name))).status).toBe(404);
      expect((await history(name)).entries.map((entry) => entry.action)).toEqual([
        "deleted",
        "created",
      ]);
    });

    test("no route writes or deletes entries", async () => {
      const name = `${subject.kind}-lifecycle`;
      const before = await history(name);
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        const { status } = await call(subject.service(), method, `${subject.path(name)}/history`, {
          entries: [],
        });
        expect(status).toBe(404);
      }
      expect(await history(name)).toEqual(before);
    });

    test.each([
      ["?limit=0", "'limit'"],
      ["?limit=101", "'limit'"],
      ["?limit=x", "'limit'"],
      ["?before=-1", "'before'"],
      ["?before=1e30", "'before'"],
    ])("400 for %s", async (query, field) => {
      const { status, body } = await call(
        subject.service(),
        "GET",
        `${subject.path("any")}/history${query}`,
      );
      expect(status).toBe(400);
      expect(body.error).toContain(field);
    });
  });

  test("imports are audited too, once per flag, rule and segment they change", async () => {
    const document = {
      flags: {
        "imported-flag": {
          state: "ENABLED",
          variants: { blue: "#00f", red: "#f00" },
          defaultVariant: "blue",
          targeting: { if: [{ $ref: "imported-segment" }, "red", null] },
        },
      },
      $evaluators: { "imported-segment": { in: ["@example.com", { var: "email" }] } },
    };
    const first = await call(stack.flag.url, "POST", "/flagd/import", document, token);
    expect(first.status).toBe(200);
    expect((await call(stack.flag.url, "POST", "/flagd/import", document)).status).toBe(200);
    const paths = [
      [stack.flag.url, "/flags/imported-flag/history"],
      [stack.targeting.url, "/rules/imported-flag/history"],
      [stack.targeting.url, "/segments/imported-segment/history"],
    ] as const;
    for (const [base, path] of paths) {
      const { body } = await call(base, "GET", path);
      expect(body.entries).toHaveLength(1);
      expect(body.entries[0]).toMatchObject({
        action: "imported",
        key: { id: keyId, name: "audit-tests" },
        before: null,
      });
    }
  });

  test("no entry holds a credential", async () => {
    const secrets = [key, token, stack.key, "tm_key_"];
    for (const url of [stack.flagDatabaseUrl, stack.targetingDatabaseUrl]) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query(
        "SELECT row_to_json(audit_log)::text AS entry FROM audit_log",
      );
      await client.end();
      expect(rows.length).toBeGreaterThan(10);
      for (const { entry } of rows)
        for (const secret of secrets) expect(entry).not.toContain(secret);
    }
  });
});
