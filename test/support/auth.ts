import { createPool, migrate, pingDatabase } from "@togglemaster/shared/db";
import { Registry } from "@togglemaster/shared/metrics";
import { createTestDatabase, listen, memoryLogger } from "@togglemaster/shared/testing";
import { createAuthApp } from "./app.ts";
import { migrations } from "./migrations/index.ts";
import { createKeyStore } from "./store.ts";

/** A real auth-service on a throwaway database, for other services' tests. */
export async function startAuthService({
  masterKey = "fixture-master-key-0123456789",
  jwtSecret = "fixture-jwt-secret-0123456789abcdef",
} = {}) {
  const database = await createTestDatabase("auth");
  const pool = createPool(database.url);
  await migrate(pool, "auth", migrations);
  const app = createAuthApp({
    store: createKeyStore(pool),
    masterKey,
    jwtSecret,
    tokenTtlSeconds: 900,
    adminRateLimit: 10_000,
    logger: memoryLogger("auth"),
    metrics: new Registry(),
    ready: { database: pingDatabase(pool) },
  });
  const url = listen(app);
  const post = async (path: string, credential: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${credential}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return response.json();
  };
  return {
    url,
    masterKey,
    jwtSecret,
    createKey: async (name = "fixture"): Promise<{ id: number; key: string }> =>
      post("/admin/keys", masterKey, { name }),
    token: async (key: string): Promise<string> => (await post("/token", key)).token,
    revoke: (id: number) =>
      fetch(`${url}/admin/keys/${id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${masterKey}` },
      }),
    async stop() {
      await app.stop();
      await pool.end();
      await database.drop();
    },
  };
}

export type AuthFixture = Awaited<ReturnType<typeof startAuthService>>;
