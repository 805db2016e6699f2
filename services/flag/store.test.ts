import { afterAll, beforeAll, expect, test } from "bun:test";
import { createPool, migrate, type Pool } from "@togglemaster/shared/db";
import { HOSTILE_NAMES } from "../../test/support/data-service.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/testing.ts";
import { migrations } from "./migrations/index.ts";
import { createFlagStore } from "./store.ts";

let database: TestDatabase;
let pool: Pool;
const by = { id: 1, name: "store 'tests'" };

beforeAll(async () => {
  database = await createTestDatabase("flagstore");
  pool = createPool(database.url);
  await migrate(pool, "flag", migrations);
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

test.each(HOSTILE_NAMES)("flag %p is stored, audited and deleted as data", async (name) => {
  const store = createFlagStore(pool);
  const created = await store.transaction((tables) =>
    tables.flags.insert(by, {
      name,
      description: `'${name}'`,
      is_enabled: false,
      variants: { [name]: name, other: `"${name}"` },
      default_variant: name,
      metadata: { [name]: name },
    }),
  );
  expect(created).toMatchObject({ name, default_variant: name, variants: { [name]: name } });
  expect(await store.flags.get(name)).toEqual(created);
  const updated = await store.transaction((tables) =>
    tables.flags.update(by, name, { is_enabled: true }),
  );
  expect(await store.flags.list()).toContainEqual(updated!);
  expect(await store.transaction((tables) => tables.flags.remove(by, name))).toEqual(updated);
  expect(await store.flags.get(name)).toBeUndefined();
  const { entries } = await store.flags.history(name, {});
  expect(entries.map((entry) => [entry.action, entry.key])).toEqual([
    ["deleted", by],
    ["updated", by],
    ["created", by],
  ]);
});

test("the flag set's metadata is replaced whole, and audited", async () => {
  const store = createFlagStore(pool);
  expect(await store.flagSetMetadata()).toEqual({});
  await store.transaction((tables) =>
    tables.flagSet.replaceMetadata(by, {}, { "it's": 'a "set"' }, "imported"),
  );
  await store.transaction((tables) =>
    tables.flagSet.replaceMetadata(by, { "it's": 'a "set"' }, { version: "2" }, "imported"),
  );
  expect(await store.flagSetMetadata()).toEqual({ version: "2" });
  const { rows } = await pool.query(
    "SELECT before, after FROM audit_log WHERE subject_kind = 'flag_set' ORDER BY id",
  );
  expect(rows).toEqual([
    { before: { metadata: {} }, after: { metadata: { "it's": 'a "set"' } } },
    { before: { metadata: { "it's": 'a "set"' } }, after: { metadata: { version: "2" } } },
  ]);
});

test("writeAll creates, updates and deletes many flags at once, each with its entry", async () => {
  const store = createFlagStore(pool);
  // Every field differs between the two states, so an update that skips one shows.
  const fields = (name: string, is_enabled: boolean) => ({
    name,
    description: `'${name}' ${is_enabled}`,
    is_enabled,
    variants: { [name]: is_enabled, off: { nested: [1, "two"] } },
    default_variant: is_enabled ? name : "off",
    metadata: { [name]: is_enabled ? 2 : 1.5 },
  });
  const names = HOSTILE_NAMES.map((name) => `batch ${name}`);
  const [kept, changed, gone] = names as [string, string, string];
  const created = await store.transaction(async (tables) => {
    const current = await tables.flags.lockAll(names);
    expect(current.size).toBe(0);
    const changes = names.map((name) => ({ name, current: undefined, next: fields(name, false) }));
    return tables.flags.writeAll(by, changes, "imported");
  });
  expect(created).toEqual(names.map((name) => ({ name, action: "created" })));
  const before = await store.flags.get(changed);

  const written = await store.transaction(async (tables) => {
    const current = await tables.flags.lockAll([changed, gone, "never there"]);
    expect([...current.keys()].sort()).toEqual([changed, gone].sort());
    return tables.flags.writeAll(
      by,
      [
        { name: changed, current: current.get(changed), next: fields(changed, true) },
        { name: gone, current: current.get(gone), next: null },
        { name: "never there", current: undefined, next: null },
      ],
      "restored",
    );
  });
  expect(written).toEqual([
    { name: changed, action: "updated" },
    { name: gone, action: "deleted" },
  ]);
  const after = await store.flags.get(changed);
  expect(after).toMatchObject({ ...fields(changed, true), id: before?.id });
  expect(after?.created_at).toBe(before?.created_at as string);
  expect(after?.updated_at).not.toBe(before?.updated_at as string);
  expect(await store.flags.get(gone)).toBeUndefined();
  expect(await store.flags.get(kept)).toMatchObject(fields(kept, false));
  expect(await store.flags.get("never there")).toBeUndefined();

  const entries = async (name: string) =>
    (await store.flags.history(name, {})).entries.map(({ action, key, before, after }) => ({
      action,
      key,
      before,
      after,
    }));
  expect(await entries(changed)).toEqual([
    { action: "restored", key: by, before, after },
    { action: "imported", key: by, before: null, after: before },
  ]);
  expect((await entries(gone))[0]).toMatchObject({ action: "restored", after: null });
  expect((await entries(gone))[0]?.before).toMatchObject(fields(gone, false));
  expect(await store.flags.history("never there", {})).toEqual({ entries: [], next: null });
});
