import { readConfig } from "../../services/auth/config.ts";
import { createAuthService } from "../../services/auth/service.ts";
import { createTestDatabase, listen, memoryLogger } from "./testing.ts";

/** A real auth-service on a throwaway database, built as `main` builds it. */
export async function startAuthService({
  masterKey = "fixture-master-key-0123456789",
  jwtSecret = "fixture-jwt-secret-0123456789abcdef",
} = {}) {
  const database = await createTestDatabase("auth");
  const service = await createAuthService(
    readConfig({
      DATABASE_URL: database.url,
      MASTER_KEY: masterKey,
      JWT_SECRET: jwtSecret,
      ADMIN_RATE_LIMIT: "10000",
    }),
    { logger: memoryLogger("auth") },
  );
  const url = listen(service.app);
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
      await service.app.stop();
      await service.close();
      await database.drop();
    },
  };
}

export type AuthFixture = Awaited<ReturnType<typeof startAuthService>>;
