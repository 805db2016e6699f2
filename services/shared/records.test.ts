import { afterAll, beforeAll, expect, test } from "bun:test";
import { HOSTILE_NAMES } from "../../test/support/data-service.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/testing.ts";
import { createPool, type Pool } from "./db.ts";
import { recordTable } from "./records.ts";

let database: TestDatabase;
let pool: Pool;
const things = () =>
  recordTable<{ name: string; note: string; tags: string[] }>(pool, {
    table: "things",
    key: "name",
    columns: ["note", "tags"],
    jsonColumns: ["tags"],
  });

beforeAll(async () => {
  database = await createTestDatabase("records");
  pool = createPool(database.url);
  await pool.query(`CREATE TABLE things (
    id serial PRIMARY KEY, name text UNIQUE NOT NULL, note text, tags jsonb,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

test.each(HOSTILE_NAMES)("%p is stored, read, updated and deleted as data", async (name) => {
  const table = things();
  const inserted = await table.insert({ name, note: `note of ${name}`, tags: [name, "'"] });
  expect(inserted).toMatchObject({ name, note: `note of ${name}`, tags: [name, "'"] });
  expect(await table.get(name)).toMatchObject({ name, note: `note of ${name}` });
  expect(await table.lock(name)).toMatchObject({ name, tags: [name, "'"] });
  expect(await table.update(name, { note: `'${name}'` })).toMatchObject({ note: `'${name}'` });
  expect((await table.list()).filter((thing) => thing.name === name)).toHaveLength(1);
  expect(await table.remove(name)).toMatchObject({ name, note: `'${name}'` });
  expect(await table.get(name)).toBeUndefined();
  const { rows } = await pool.query("SELECT count(*)::int AS count FROM things");
  expect(rows[0].count).toBe(0);
});

test("null in a jsonb column is SQL NULL, not the JSON null", async () => {
  const table = things();
  await table.insert({ name: "untagged", note: "n", tags: null as unknown as string[] });
  const { rows } = await pool.query("SELECT tags IS NULL AS missing FROM things WHERE name = $1", [
    "untagged",
  ]);
  expect(rows[0].missing).toBe(true);
  expect(await table.remove("untagged")).toMatchObject({ tags: null });
});

test("many records are inserted, locked, replaced and deleted in one statement each", async () => {
  const table = things();
  const records = HOSTILE_NAMES.map((name) => ({ name, note: `'${name}'`, tags: [name, "'"] }));
  const inserted = await table.insertAll(records);
  expect(inserted.map(({ name, note, tags }) => ({ name, note, tags }))).toEqual(records);
  const locked = await table.lockAll([...HOSTILE_NAMES, "absent"]);
  expect(new Set(locked.keys())).toEqual(new Set(HOSTILE_NAMES));

  const replacements = records.map(({ name }) => ({ name, note: "", tags: null as never }));
  const replaced = await table.replaceAll(replacements.toReversed());
  expect(replaced.map(({ name, note, tags }) => ({ name, note, tags }))).toEqual(
    replacements.toReversed(),
  );
  const { rows } = await pool.query(
    "SELECT count(*)::int AS untagged FROM things WHERE tags IS NULL",
  );
  expect(rows[0].untagged).toBe(HOSTILE_NAMES.length);

  const removed = await table.removeAll([...HOSTILE_NAMES, "absent"]);
  expect(removed.map(({ name }) => name).sort()).toEqual([...HOSTILE_NAMES].sort());
  expect(await table.list()).toEqual([]);
});
