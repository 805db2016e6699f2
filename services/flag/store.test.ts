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
