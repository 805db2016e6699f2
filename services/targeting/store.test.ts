import { afterAll, beforeAll, expect, test } from "bun:test";
import { createPool, migrate, type Pool } from "@togglemaster/shared/db";
import { HOSTILE_NAMES } from "../../test/support/data-service.ts";
import { createTestDatabase, type TestDatabase } from "../../test/support/testing.ts";
import { migrations } from "./migrations/index.ts";
import { createTargetingStore } from "./store.ts";

let database: TestDatabase;
let pool: Pool;
const by = { id: 1, name: "store 'tests'" };

beforeAll(async () => {
  database = await createTestDatabase("targetingstore");
  pool = createPool(database.url);
  await migrate(pool, "targeting", migrations);
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

test.each(HOSTILE_NAMES)(
  "rule and segment %p are stored, audited, deleted as data",
  async (name) => {
    const store = createTargetingStore(pool);
    const rule = await store.transaction((tables) =>
      tables.rules.insert(by, {
        flag_name: name,
        is_enabled: true,
        rules: { type: "USER_LIST", values: [name] },
      }),
    );
    const segment = await store.transaction((tables) =>
      tables.segments.insert(by, {
        name,
        definition: { in: [name, { var: "email" }] },
        description: `'${name}'`,
      }),
    );
    expect(await store.rules.get(name)).toEqual(rule);
    expect(await store.segments.get(name)).toEqual(segment);
    expect(await store.segments.list()).toContainEqual(segment);
    await store.transaction(async (tables) => {
      await tables.rules.update(by, name, { is_enabled: false });
      await tables.segments.update(by, name, { description: "" });
    });
    await store.transaction(async (tables) => {
      await tables.rules.remove(by, name);
      await tables.segments.remove(by, name);
    });
    for (const table of [store.rules, store.segments]) {
      expect(await table.get(name)).toBeUndefined();
      const { entries } = await table.history(name, {});
      expect(entries.map((entry) => entry.action)).toEqual(["deleted", "updated", "created"]);
    }
  },
);
