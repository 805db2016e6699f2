/**
 * flagd import and export against real flag and targeting services (real PostgreSQL, real
 * HTTP between them): round trips of the flagd testbed and of v1 flags, refused documents,
 * and an import that cannot be completed leaving everything as it was.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKeyValidator } from "@togglemaster/shared/auth-guard";
import { changePublisher } from "@togglemaster/shared/changes";
import { createPool, type Pool } from "@togglemaster/shared/db";
import { checkDocument } from "@togglemaster/shared/flagd/document";
import { testParts } from "../../test/support/data-service.ts";
import { type DataServices, startDataServices } from "../../test/support/evaluation.ts";
import { testbedDocument } from "../../test/support/flagd-testbed.ts";
import { bearer, json, listen, memoryLogger, waitFor } from "../../test/support/testing.ts";
import { createFlagApp } from "./app.ts";
import { createFlagStore } from "./store.ts";
import { createTargetingClient } from "./targeting-client.ts";

let stack: DataServices;
let flagDb: Pool;

beforeAll(async () => {
  stack = await startDataServices();
  flagDb = createPool(stack.flagDatabaseUrl);
});

afterAll(async () => {
  await flagDb.end();
  await stack.stop();
});

const call = (base: string, method: string, path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: bearer(stack.key),
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(json);

const importDocument = (document: unknown, base = stack.flag.url) =>
  call(base, "POST", "/flagd/import", document);

async function exportAll(): Promise<Record<string, any>> {
  const { status, body } = await call(stack.flag.url, "GET", "/flagd/export");
  expect(status).toBe(200);
  return body;
}

/** Everything both services hold, records and audit trail, to show nothing changed. */
async function everything() {
  const [flags, rules, segments, document] = await Promise.all([
    call(stack.flag.url, "GET", "/flags"),
    call(stack.targeting.url, "GET", "/rules"),
    call(stack.targeting.url, "GET", "/segments"),
    exportAll(),
  ]);
  const { rows } = await flagDb.query("SELECT count(*)::int AS entries FROM audit_log");
  return { flags: flags.body, rules: rules.body, segments: segments.body, document, audit: rows };
}

const results = (answer: { flags: { result: string }[]; segments: { result: string }[] }) =>
  new Set([...answer.flags, ...answer.segments].map((entry) => entry.result));

describe("the flagd testbed", () => {
  test("imports, exports as flagd reads it, and imports again unchanged", async () => {
    const document = testbedDocument("merged");
    const first = await importDocument(document);
    expect(first.status).toBe(200);
    expect(first.body.flags.map((flag: { key: string }) => flag.key)).toEqual(
      Object.keys(document.flags as object),
    );
    expect(results(first.body)).toEqual(new Set(["created"]));

    const exported = await exportAll();
    const original = checkDocument(document);
    const roundTripped = checkDocument(exported);
    if (!original.ok || !roundTripped.ok) throw new Error("the documents should be valid");
    // Object key order aside (toEqual ignores it), flagd reads the export as the original.
    expect(roundTripped.document).toEqual(original.document);

    const again = await importDocument(exported);
    expect(again.status).toBe(200);
    expect(again.body.flags).toHaveLength(Object.keys(document.flags as object).length);
    expect(results(again.body)).toEqual(new Set(["unchanged"]));
    expect(again.body.metadata).toBe("unchanged");
    expect(await exportAll()).toEqual(exported);
  });

  test("importing the original again changes nothing either", async () => {
    const before = await everything();
    const { status, body } = await importDocument(testbedDocument("merged"));
    expect(status).toBe(200);
    expect(results(body)).toEqual(new Set(["unchanged"]));
    expect(await everything()).toEqual(before);
  });
});

describe("documents flagd would refuse", () => {
  /** Valid changes first, so "nothing applied" means something. */
  const validChanges = {
    "boolean-flag": { state: "DISABLED", variants: { on: true, off: false }, defaultVariant: "on" },
    "brand-new": { state: "ENABLED", variants: { a: 1, b: 2 }, defaultVariant: "a" },
  };

  test.each([
    [
      "a variant map that is not an object",
      { state: "ENABLED", variants: [true, false] },
      "/variants",
    ],
    ["a state outside ENABLED/DISABLED", { state: "ON", variants: { on: true } }, "/state"],
    ["a flag without variants", { state: "ENABLED", defaultVariant: "on" }, "/variants"],
    ["variants of two kinds", { state: "ENABLED", variants: { a: 1, b: "2" } }, "/variants/b"],
    [
      "a default naming no variant",
      { state: "ENABLED", variants: { a: 1 }, defaultVariant: "z" },
      "/defaultVariant",
    ],
    [
      "targeting that is not an object",
      { state: "ENABLED", variants: { a: 1 }, targeting: [1] },
      "/targeting",
    ],
  ])("%s: a 400 naming flag and pointer, and nothing applied", async (_, broken, at) => {
    const before = await everything();
    const { status, body } = await importDocument({
      flags: { ...validChanges, "broken flag/1": broken },
      $evaluators: { is_ballmer: { "==": [1, 2] } },
    });
    const pointer = `/flags/broken flag~11${at}`;
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "INVALID_FLAGD_DOCUMENT", flag: "broken flag/1", pointer });
    expect(body.error).toStartWith("Flag 'broken flag/1': ");
    expect(body.error).toEndWith(`(${pointer})`);
    expect(await everything()).toEqual(before);
  });

  test.each([
    ["no flags", {}, "/flags"],
    ["an evaluator that is not JsonLogic", { flags: {}, $evaluators: { x: 1 } }, "/$evaluators/x"],
    ["flag-set metadata that is not primitive", { flags: {}, metadata: { a: {} } }, "/metadata/a"],
  ])("%s: a 400 naming the pointer", async (_, document, pointer) => {
    const { status, body } = await importDocument(document);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "INVALID_FLAGD_DOCUMENT", pointer });
    expect(body).not.toHaveProperty("flag");
  });

  test.each([
    [
      "a key a URL cannot carry",
      { "a/b": { state: "ENABLED", variants: { on: true } } },
      "a/b",
      "/flags/a~1b",
    ],
    [
      "a default variant over 100 characters",
      {
        long: {
          state: "ENABLED",
          variants: { ["v".repeat(101)]: 1 },
          defaultVariant: "v".repeat(101),
        },
      },
      "long",
      "/flags/long/defaultVariant",
    ],
  ])("flagd-valid but unstorable here (%s): a 400 too", async (_, flags, flag, pointer) => {
    const before = await everything();
    const { status, body } = await importDocument({ flags: { ...validChanges, ...flags } });
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "INVALID_FLAGD_DOCUMENT", flag, pointer });
    expect(await everything()).toEqual(before);
  });

  test.each([
    ["not JSON", "{flags", "Corpo da requisição inválido"],
    ["a JSON array", "[]", "Corpo da requisição inválido"],
    ["empty", "", "Documento flagd inválido"],
    ["an object without flags", "{}", "Documento flagd inválido"],
  ])("a body that is %s is a 400 saying so", async (_, text, message) => {
    const { status, body } = await fetch(`${stack.flag.url}/flagd/import`, {
      method: "POST",
      headers: bearer(stack.key),
      body: text,
    }).then(json);
    expect(status).toBe(400);
    expect(body.error).toStartWith(message);
  });
});

describe("an import that cannot be completed changes nothing", () => {
  const changing = () => ({
    flags: {
      "boolean-flag": {
        state: "DISABLED",
        variants: { on: true, off: false },
        defaultVariant: "on",
        targeting: { if: [{ $ref: "is_ballmer" }, "off", "on"] },
      },
      "string-flag": {
        state: "ENABLED",
        variants: { greeting: "hey" },
        defaultVariant: "greeting",
      },
      "not-there-before": { state: "ENABLED", variants: { on: true, off: false } },
    },
    $evaluators: { is_ballmer: { "==": ["nobody", { var: "email" }] } },
  });

  /**
   * Runs an import while `table` holds `row` uncommitted, so the import's own insert of that
   * name waits on it; committing the row makes that insert conflict. The row is deleted
   * afterwards (its first column is the name).
   */
  async function racedBy(databaseUrl: string, table: string, row: Record<string, string>) {
    const writer = createPool(databaseUrl, 2);
    const client = await writer.connect();
    const columns = Object.keys(row);
    const placeholders = columns.map((_, index) => `$${index + 1}`).join(", ");
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${placeholders})`,
      Object.values(row),
    );
    const before = await everything();
    const pending = importDocument(changing());
    await waitFor("the import to wait on the row", async () => {
      const { rows } = await writer.query(
        "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
      );
      return rows[0].waiting > 0;
    });
    await client.query("COMMIT");
    client.release();
    const answer = await pending;
    const [nameColumn = ""] = columns;
    await writer.query(`DELETE FROM ${table} WHERE ${nameColumn} = $1`, [row[nameColumn]]);
    await writer.end();
    return { ...answer, before, after: await everything() };
  }

  test.each([
    ["flag", "flagDatabaseUrl", "flags", { name: "not-there-before" }],
    [
      "rule",
      "targetingDatabaseUrl",
      "targeting_rules",
      { flag_name: "boolean-flag", rules: '{"type":"PERCENTAGE","value":5}' },
    ],
  ] as const)(
    "a %s created meanwhile by a route: a 409 to try again, and nothing applied",
    async (_, database, table, row) => {
      const { status, body, before, after } = await racedBy(stack[database], table, row);
      expect(status).toBe(409);
      expect(body.code).toBe("IMPORT_RACED");
      expect(after).toEqual(before);
    },
  );

  test("targeting-service down: the flags roll back (503 naming targeting)", async () => {
    const before = await everything();
    const isolated = await stack.startFlag("http://127.0.0.1:1");
    const { status, body } = await importDocument(changing(), isolated.url);
    await isolated.stop();
    expect(status).toBe(503);
    expect(body).toEqual({
      error: "Serviço de targeting indisponível",
      code: "TARGETING_UNAVAILABLE",
    });
    expect(await everything()).toEqual(before);
  });

  test("targeting-service timing out: the flags roll back (504 naming targeting)", async () => {
    const silent = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Promise<Response>(() => {}),
    });
    const logger = memoryLogger("flag");
    const parts = testParts({
      pool: flagDb,
      authUrl: stack.auth.url,
      jwtSecret: stack.auth.jwtSecret,
      logger,
      validateKey: createKeyValidator({ authUrl: stack.auth.url }),
      publish: changePublisher(undefined, logger),
    });
    const app = createFlagApp({
      ...parts,
      store: createFlagStore(flagDb),
      targeting: createTargetingClient({ url: `http://127.0.0.1:${silent.port}`, timeoutMs: 200 }),
    });
    const before = await everything();
    const { status, body } = await importDocument(changing(), listen(app));
    await app.stop();
    await silent.stop(true);
    expect(status).toBe(504);
    expect(body).toEqual({
      error: "Serviço de targeting indisponível (timeout)",
      code: "TARGETING_TIMEOUT",
    });
    expect(await everything()).toEqual(before);
  });

  test("the flag commit failing after targeting applied: targeting is restored (503)", async () => {
    // A deferred constraint fails at COMMIT, after targeting-service has committed its part.
    await flagDb.query(`
      CREATE FUNCTION refuse_at_commit() RETURNS trigger AS $$
      BEGIN
        IF NEW.name = 'not-there-before' THEN RAISE EXCEPTION 'refused at commit'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;
      CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON flags
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit();`);
    const before = await everything();
    const { status, body } = await importDocument(changing());
    await flagDb.query(`DROP TRIGGER refuse_at_commit ON flags; DROP FUNCTION refuse_at_commit();`);
    expect(status).toBe(503);
    expect(body.code).toBe("IMPORT_UNDONE");
    const after = await everything();
    // Rules and segments are back as they were (updated_at aside: they were rewritten).
    const withoutTimes = (records: Record<string, unknown>[]) =>
      records.map(({ updated_at, ...record }) => record);
    expect(withoutTimes(after.rules)).toEqual(withoutTimes(before.rules));
    expect(withoutTimes(after.segments)).toEqual(withoutTimes(before.segments));
    expect(after.flags).toEqual(before.flags);
    expect(after.document).toEqual(before.document);
    const segment = await call(stack.targeting.url, "GET", "/segments/is_ballmer/history?limit=2");
    expect(segment.body.entries.map((entry: { action: string }) => entry.action)).toEqual([
      "restored",
      "imported",
    ]);
  });

  test("a second import while one runs is told to try again (409)", async () => {
    const holder = await flagDb.connect();
    await holder.query("SELECT pg_advisory_lock(hashtext('togglemaster:flagd-import'))");
    const before = await everything();
    const { status, body } = await importDocument(changing());
    await holder.query("SELECT pg_advisory_unlock(hashtext('togglemaster:flagd-import'))");
    holder.release();
    expect(status).toBe(409);
    expect(body.code).toBe("IMPORT_IN_PROGRESS");
    expect(await everything()).toEqual(before);
  });
});

describe("v1 flags", () => {
  const flag = (name: string, is_enabled: boolean) =>
    call(stack.flag.url, "POST", "/flags", { name, is_enabled });
  const rule = (flag_name: string, rules: unknown, is_enabled = true) =>
    call(stack.targeting.url, "POST", "/rules", { flag_name, rules, is_enabled });

  beforeAll(async () => {
    await flag("v1-percentage", true);
    await rule("v1-percentage", { type: "PERCENTAGE", value: 25 });
    await flag("v1-list", true);
    await rule("v1-list", { type: "USER_LIST", values: ["ana", 'it\'s "bia"'] });
    await flag("v1-paused-rule", true);
    await rule("v1-paused-rule", { type: "PERCENTAGE", value: 10 }, false);
    await flag("v1-off", false);
  });

  test("export as boolean flags with on/off variants and flagd-expressible targeting", async () => {
    const { flags } = await exportAll();
    const v1 = { variants: { on: true, off: false }, defaultVariant: "on" };
    expect(flags["v1-percentage"]).toEqual({
      state: "ENABLED",
      ...v1,
      targeting: { if: [{ "<": [{ tm_v1_bucket: [] }, 25] }, "on", "off"] },
    });
    expect(flags["v1-list"]).toEqual({
      state: "ENABLED",
      ...v1,
      targeting: { if: [{ in: [{ var: "targetingKey" }, ["ana", 'it\'s "bia"']] }, "on", "off"] },
    });
    // A disabled rule is no targeting in flagd terms.
    expect(flags["v1-paused-rule"]).toEqual({ state: "ENABLED", ...v1 });
    expect(flags["v1-off"]).toEqual({ state: "DISABLED", ...v1 });
  });

  test("re-import is a no-op: identical flag objects and rule documents", async () => {
    const before = await everything();
    const { status, body } = await importDocument(await exportAll());
    expect(status).toBe(200);
    expect(results(body)).toEqual(new Set(["unchanged"]));
    expect(await everything()).toEqual(before);
    const rules = (await call(stack.targeting.url, "GET", "/rules")).body;
    const documentOf = (name: string) =>
      rules.find((stored: { flag_name: string }) => stored.flag_name === name);
    expect(documentOf("v1-percentage")).toMatchObject({
      rules: { type: "PERCENTAGE", value: 25 },
    });
    expect(documentOf("v1-paused-rule")).toMatchObject({
      is_enabled: false,
      rules: { type: "PERCENTAGE", value: 10 },
    });
  });

  test("imported v1 shapes are stored as v1 rules, not as JsonLogic", async () => {
    const { status } = await importDocument({
      flags: {
        "from-flagd": {
          state: "ENABLED",
          variants: { on: true, off: false },
          defaultVariant: "on",
          targeting: { if: [{ in: [{ var: "targetingKey" }, ["carla"]] }, "on", "off"] },
        },
      },
    });
    expect(status).toBe(200);
    const stored = await call(stack.targeting.url, "GET", "/rules/from-flagd");
    expect(stored.body.rules).toEqual({ type: "USER_LIST", values: ["carla"] });
    // A v1 flag: its object shows no v2 field.
    const created = await call(stack.flag.url, "GET", "/flags/from-flagd");
    for (const field of ["variants", "default_variant", "metadata"])
      expect(created.body).not.toHaveProperty(field);
  });

  test("absent targeting removes an enabled rule and leaves a disabled one", async () => {
    const { status, body } = await importDocument({
      flags: {
        "v1-list": { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on" },
        "v1-paused-rule": {
          state: "ENABLED",
          variants: { on: true, off: false },
          defaultVariant: "on",
        },
      },
    });
    expect(status).toBe(200);
    expect(body.flags).toEqual([
      { key: "v1-list", result: "updated" },
      { key: "v1-paused-rule", result: "unchanged" },
    ]);
    expect((await call(stack.targeting.url, "GET", "/rules/v1-list")).status).toBe(404);
    expect((await call(stack.targeting.url, "GET", "/rules/v1-paused-rule")).body).toMatchObject({
      is_enabled: false,
    });
  });
});

describe("targeting that fails only when evaluated", () => {
  test("an unknown operator and a dangling $ref are stored and exported unchanged", async () => {
    const flags = {
      "odd-operator": {
        state: "ENABLED",
        variants: { small: 1, large: 100 },
        defaultVariant: "small",
        targeting: { if: [{ no_such_operator: [{ var: "plan" }] }, "large", "small"] },
      },
      "dangling-ref": {
        state: "ENABLED",
        variants: { yes: true, no: false },
        defaultVariant: "no",
        targeting: { if: [{ $ref: "never-defined" }, "yes", "no"] },
      },
    };
    const { status, body } = await importDocument({ flags });
    expect(status).toBe(200);
    expect(body.flags).toEqual([
      { key: "odd-operator", result: "created" },
      { key: "dangling-ref", result: "created" },
    ]);
    const exported = await exportAll();
    expect(exported.flags["odd-operator"]).toEqual(flags["odd-operator"]);
    expect(exported.flags["dangling-ref"]).toEqual(flags["dangling-ref"]);
    expect((await call(stack.targeting.url, "GET", "/rules/odd-operator")).body.rules).toEqual({
      type: "JSONLOGIC",
      targeting: flags["odd-operator"].targeting,
    });
  });
});

describe("results", () => {
  test("a flag whose only change is its targeting is updated; flags not named stay", async () => {
    const before = await exportAll();
    const stringFlag = before.flags["string-flag"];
    const { body } = await importDocument({
      flags: { "string-flag": { ...stringFlag, targeting: { if: [true, "parting", null] } } },
      $evaluators: { "new-segment": { "==": [1, 1] } },
      metadata: { flagSetId: "web", version: "2" },
    });
    expect(body).toEqual({
      flags: [{ key: "string-flag", result: "updated" }],
      segments: [{ key: "new-segment", result: "created" }],
      metadata: "updated",
    });
    const after = await exportAll();
    expect(after.metadata).toEqual({ flagSetId: "web", version: "2" });
    expect(after.$evaluators["new-segment"]).toEqual({ "==": [1, 1] });
    const { "string-flag": changed, ...others } = after.flags;
    const { "string-flag": _, ...othersBefore } = before.flags;
    expect(others).toEqual(othersBefore);
    expect(changed.targeting).toEqual({ if: [true, "parting", null] });
  });

  test("the export of an empty configuration is an empty flagd document", async () => {
    const empty = await startDataServices();
    const response = await fetch(`${empty.flag.url}/flagd/export`, {
      headers: bearer(empty.key),
    }).then(json);
    await empty.stop();
    expect(response).toEqual({ status: 200, body: { flags: {} } });
  });
});

describe("the targeting client", () => {
  const client = () => createTargetingClient({ url: stack.targeting.url });
  const caller = (credential = stack.key) => ({ credential, requestId: "client-test" });

  test("targeting's 400s reach the caller as they are", async () => {
    const refused = client().applyImport(caller(), { rules: { "a b": null }, segments: {} });
    await expect(refused).rejects.toMatchObject({ status: 400, code: "INVALID_TARGETING_IMPORT" });
  });

  test("any other refusal is a 502 naming targeting", async () => {
    const refused = client().rules(caller(`tm_key_${"0".repeat(64)}`));
    await expect(refused).rejects.toMatchObject({ status: 502, code: "TARGETING_REJECTED" });
  });
});

describe("a document the size of a large flag set", () => {
  /** Flags with targeting (a segment, a list of users), as many as `bytes` of JSON hold. */
  function largeDocument(prefix: string, bytes: number) {
    const flags: Record<string, unknown> = {};
    const $evaluators = { [`${prefix}-staff`]: { ends_with: [{ var: "email" }, "@example.com"] } };
    let size = JSON.stringify({ flags, $evaluators }).length;
    for (let index = 0; ; index++) {
      const key = `${prefix}-${index}`;
      const flag = {
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: "off",
        targeting: {
          if: [
            {
              or: [{ $ref: `${prefix}-staff` }, { in: [{ var: "targetingKey" }, [`u-${index}`]] }],
            },
            "on",
            "off",
          ],
        },
      };
      const entry = JSON.stringify({ [key]: flag }).length - 1;
      if (size + entry > bytes) return { flags, $evaluators };
      flags[key] = flag;
      size += entry;
    }
  }

  test("one just under 1 MiB is imported whole, exported back, and imported again unchanged", async () => {
    const document = largeDocument("bulk", 1024 * 1024 - 64);
    const body = JSON.stringify(document);
    expect(body.length).toBeGreaterThan(1024 * 1024 - 512);
    const keys = Object.keys(document.flags);

    const first = await call(stack.flag.url, "POST", "/flagd/import", document);
    expect(first.status).toBe(200);
    expect(first.body.flags).toHaveLength(keys.length);
    expect(results(first.body)).toEqual(new Set(["created"]));

    const exported = await exportAll();
    for (const key of [keys[0], keys[keys.length - 1]] as string[])
      expect(exported.flags[key]).toEqual(document.flags[key]);
    expect(exported.$evaluators["bulk-staff"]).toEqual(document.$evaluators["bulk-staff"]);

    const again = await importDocument(document);
    expect(again.status).toBe(200);
    expect(results(again.body)).toEqual(new Set(["unchanged"]));
  }, 30_000);

  test("one over 1 MiB is a 413 naming the limit, and nothing of it is applied", async () => {
    const document = largeDocument("oversized", 1024 * 1024 + 1024);
    expect(JSON.stringify(document).length).toBeGreaterThan(1024 * 1024);
    const { status, body } = await importDocument(document);
    expect(status).toBe(413);
    expect(body).toEqual({
      error: "Corpo da requisição excede 1048576 bytes",
      code: "PAYLOAD_TOO_LARGE",
    });
    expect((await call(stack.flag.url, "GET", "/flags/oversized-0")).status).toBe(404);
  });

  test("other routes keep the ordinary 64 KiB limit", async () => {
    const description = "x".repeat(64 * 1024);
    const { status, body } = await call(stack.flag.url, "POST", "/flags", {
      name: "too-long-to-describe",
      description,
    });
    expect(status).toBe(413);
    expect(body.error).toBe("Corpo da requisição excede 65536 bytes");
  });
});
