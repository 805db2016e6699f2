import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bearer, createTestDatabase, json, TEST_REDIS_URL, type TestDatabase } from "@togglemaster/shared/testing";
import { entryPoint, SERVICES } from "./build.ts";
import { type RunningService, runtimeFromEnv, serviceCommand, startCommand, startService } from "./runtimes.ts";

const MASTER_KEY = "runtime-test-master-key-0123";
const JWT_SECRET = "runtime-test-jwt-secret-0123456789abcdef";

const messagesOf = (service: RunningService) =>
  service
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => (JSON.parse(line) as { message: string }).message);

describe("serviceCommand", () => {
  test("source runs the entry file with this Bun", () => {
    expect(serviceCommand("flag", "source")).toEqual([process.execPath, entryPoint("flag")]);
  });

  test("binary is the x64 executable in dist/", () => {
    const [binary, ...rest] = serviceCommand("analytics", "binary");
    expect(binary).toEndWith("/dist/analytics-linux-x64");
    expect(rest).toEqual([]);
  });

  test("deno runs the same entry file with raw imports, node_modules and permissions", () => {
    const command = serviceCommand("evaluation", "deno");
    expect(command.slice(0, 2)).toEqual(["deno", "run"]);
    expect(command).toContain("--unstable-raw-imports");
    expect(command).toContain("--node-modules-dir=manual");
    expect(command).toContain("--allow-net");
    expect(command).not.toContain("--allow-all");
    expect(command.at(-1)).toBe(entryPoint("evaluation"));
  });

  test("every service has its own entry file", () => {
    const entries = SERVICES.map((service) => serviceCommand(service, "source")[1]);
    expect(new Set(entries).size).toBe(SERVICES.length);
  });
});

describe("runtimeFromEnv", () => {
  test("defaults to source and accepts each runtime", () => {
    expect(runtimeFromEnv({})).toBe("source");
    expect(runtimeFromEnv({ TM_RUNTIME: "deno" })).toBe("deno");
    expect(runtimeFromEnv({ TM_RUNTIME: "binary" })).toBe("binary");
  });

  test("rejects anything else", () => {
    expect(() => runtimeFromEnv({ TM_RUNTIME: "node" })).toThrow(/TM_RUNTIME must be one of/);
  });
});

describe("startCommand", () => {
  test("reports a process that exits before it is ready, with its output", async () => {
    const failing = startService("auth", "source", { DATABASE_URL: "not a url" });
    await expect(failing).rejects.toThrow(/exited \(1\) before it was ready[\s\S]*DATABASE_URL/);
  });

  test("gives up on a process that never becomes ready", async () => {
    const silent = startCommand([process.execPath, "-e", "await Bun.sleep(60_000)"], {}, { timeoutMs: 300 });
    await expect(silent).rejects.toThrow(/not ready at \/health\/ready within 300 ms/);
  });
});

describe("the services on Deno, from the same source", () => {
  const databases: TestDatabase[] = [];
  let auth: RunningService;
  let apiKey: string;

  const database = async (prefix: string) => {
    const created = await createTestDatabase(prefix);
    databases.push(created);
    return created.url;
  };

  beforeAll(async () => {
    auth = await startService("auth", "deno", {
      DATABASE_URL: await database("deno_auth"),
      MASTER_KEY,
      JWT_SECRET,
    });
  });

  afterAll(async () => {
    auth.kill();
    await Promise.all(databases.map((created) => created.drop()));
  });

  test("auth is ready, creates a key and validates it", async () => {
    const ready = await json(await fetch(`${auth.url}/health/ready`));
    expect(ready).toEqual({ status: 200, body: { status: "ready", checks: { database: "ok" } } });

    const created = await json(
      await fetch(`${auth.url}/admin/keys`, {
        method: "POST",
        headers: { ...bearer(MASTER_KEY), "content-type": "application/json" },
        body: JSON.stringify({ name: "deno" }),
      }),
    );
    expect(created.status).toBe(201);
    apiKey = created.body.key;
    expect(apiKey).toMatch(/^tm_key_[0-9a-f]{64}$/);

    const valid = await json(await fetch(`${auth.url}/validate`, { headers: bearer(apiKey) }));
    expect(valid).toEqual({ status: 200, body: { message: "Chave válida" } });
    const invalid = await fetch(`${auth.url}/validate`, { headers: bearer(`tm_key_${"0".repeat(64)}`) });
    expect(invalid.status).toBe(401);
    expect(messagesOf(auth)).toContain("listening");
    expect(auth.output()).toContain('"runtime":"deno"');
  });

  test.each(["flag", "targeting"] as const)("%s serves authenticated requests", async (service) => {
    const running = await startService(service, "deno", {
      DATABASE_URL: await database(`deno_${service}`),
      AUTH_SERVICE_URL: auth.url,
      JWT_SECRET,
      REDIS_URL: TEST_REDIS_URL,
    });
    try {
      const path = service === "flag" ? "/flags" : "/rules";
      const body =
        service === "flag"
          ? { name: "deno-flag", is_enabled: true }
          : { flag_name: "deno-flag", rules: { type: "PERCENTAGE", value: 50 } };
      const created = await fetch(`${running.url}${path}`, {
        method: "POST",
        headers: { ...bearer(apiKey), "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(created.status).toBe(201);
      const read = await json(await fetch(`${running.url}${path}/deno-flag`, { headers: bearer(apiKey) }));
      expect(read.status).toBe(200);
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });

  test("auth stops gracefully on SIGTERM", async () => {
    expect(await auth.stop()).toBe(0);
    expect(messagesOf(auth).slice(-2)).toEqual(["shutting down", "stopped"]);
  });
});
