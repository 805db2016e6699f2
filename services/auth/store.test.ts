import { afterAll, beforeAll, expect, test } from "bun:test";
import { createPool, migrate, type Pool } from "@togglemaster/shared/db";
import { createTestDatabase, type TestDatabase } from "../../test/support/testing.ts";
import { generateKey, hashKey } from "./keys.ts";
import { migrations } from "./migrations/index.ts";
import { createKeyStore, MASTER_KEY_ACTOR } from "./store.ts";

let database: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  database = await createTestDatabase("auth_store");
  pool = createPool(database.url);
  await migrate(pool, "auth", migrations);
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

test.each(["it's", 'say "hi"', "a'; DROP TABLE api_keys; --", "ção 😀"])(
  "a key named %p is stored as data, found by its hash, and revoked",
  async (name) => {
    const store = createKeyStore(pool);
    const key = generateKey();
    const created = await store.create(MASTER_KEY_ACTOR, name, hashKey(key));
    expect(created).toMatchObject({ name, is_active: true });
    expect(await store.findActive(hashKey(key))).toEqual({ id: created.id, name });
    expect(await store.findActive(`${hashKey(key).slice(0, -1)}'`)).toBeUndefined();
    expect(await store.revoke(MASTER_KEY_ACTOR, created.id)).toBe(true);
    expect(await store.findActive(hashKey(key))).toBeUndefined();
    expect((await store.list()).find((listed) => listed.id === created.id)).toMatchObject({
      name,
      is_active: false,
    });
  },
);
