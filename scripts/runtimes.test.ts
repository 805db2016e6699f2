import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import {
  bearer,
  createTestDatabase,
  json,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@togglemaster/shared/testing";
import { serviceEnvironment, startAwsLocal } from "./aws-local.ts";
import { entryPoint, SERVICES, type ServiceName } from "./build.ts";
import {
  type RunningService,
  runtimeFromEnv,
  serviceCommand,
  startCommand,
  startService,
} from "./runtimes.ts";

type AwsLocal = Awaited<ReturnType<typeof startAwsLocal>>;

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

  test("every service of the catalogue has an entry file", () => {
    const missing = SERVICES.filter((service) => !existsSync(entryPoint(service)));
    expect(missing).toEqual([]);
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
    const silent = startCommand(
      [process.execPath, "-e", "await Bun.sleep(60_000)"],
      {},
      { timeoutMs: 300 },
    );
    await expect(silent).rejects.toThrow(/not ready at \/health\/ready within 300 ms/);
  });

  test("stop() reports a process that ignores SIGTERM, and kills it", async () => {
    const stubborn = await startCommand(
      [
        process.execPath,
        "-e",
        `process.on("SIGTERM", () => {});
         Bun.serve({ port: Number(process.env.PORT), fetch: () => new Response("ok") });`,
      ],
      {},
      { stopTimeoutMs: 300 },
    );
    await expect(stubborn.stop()).rejects.toThrow(/ignored SIGTERM for 300 ms/);
    expect(await fetch(stubborn.url).catch(() => "gone")).toBe("gone");
  });
});

describe("the five services on Deno, from the same source", () => {
  const databases: TestDatabase[] = [];
  const running = new Map<ServiceName, RunningService>();
  let aws: AwsLocal;
  let apiKey: string;

  const database = async (prefix: string) => {
    const created = await createTestDatabase(prefix);
    databases.push(created);
    return created.url;
  };
  const start = async (service: ServiceName, env: Record<string, string>) => {
    const started = await startService(service, "deno", env);
    running.set(service, started);
    return started;
  };
  const urlOf = (service: ServiceName) => running.get(service)?.url ?? "";
  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: "POST",
      headers: { ...bearer(apiKey), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    aws = await startAwsLocal();
    await start("auth", { DATABASE_URL: await database("deno_auth"), MASTER_KEY, JWT_SECRET });
  });

  afterAll(async () => {
    for (const service of running.values()) service.kill();
    await Promise.all(databases.map((created) => created.drop()));
    await aws.stop();
  });

  test("auth is ready, creates a key and validates it", async () => {
    const auth = urlOf("auth");
    const ready = await json(await fetch(`${auth}/health/ready`));
    expect(ready).toEqual({ status: 200, body: { status: "ready", checks: { database: "ok" } } });

    const created = await json(
      await fetch(`${auth}/admin/keys`, {
        method: "POST",
        headers: { ...bearer(MASTER_KEY), "content-type": "application/json" },
        body: JSON.stringify({ name: "deno" }),
      }),
    );
    expect(created.status).toBe(201);
    apiKey = created.body.key;
    expect(apiKey).toMatch(/^tm_key_[0-9a-f]{64}$/);

    const valid = await json(await fetch(`${auth}/validate`, { headers: bearer(apiKey) }));
    expect(valid).toEqual({ status: 200, body: { message: "Chave válida" } });
    const unknown = bearer(`tm_key_${"0".repeat(64)}`);
    expect((await fetch(`${auth}/validate`, { headers: unknown })).status).toBe(401);
    expect(running.get("auth")?.output()).toContain('"runtime":"deno"');
  });

  test("flag and targeting store what an API key sends them", async () => {
    const dataService = async (service: ServiceName) =>
      start(service, {
        DATABASE_URL: await database(`deno_${service}`),
        AUTH_SERVICE_URL: urlOf("auth"),
        JWT_SECRET,
        REDIS_URL: TEST_REDIS_URL,
      });
    await Promise.all([dataService("flag"), dataService("targeting")]);

    const flag = await post(`${urlOf("flag")}/flags`, { name: "deno-flag", is_enabled: true });
    expect(flag.status).toBe(201);
    const rule = await post(`${urlOf("targeting")}/rules`, {
      flag_name: "deno-flag",
      rules: { type: "PERCENTAGE", value: 100 },
    });
    expect(rule.status).toBe(201);
    const read = await fetch(`${urlOf("flag")}/flags/deno-flag`, { headers: bearer(apiKey) });
    expect((await json(read)).body).toMatchObject({ name: "deno-flag", is_enabled: true });
  });

  test("evaluation decides and its event reaches analytics through SQS and DynamoDB", async () => {
    const awsEnv = serviceEnvironment(aws);
    await Promise.all([
      start("evaluation", {
        ...awsEnv,
        REDIS_URL: TEST_REDIS_URL,
        AUTH_SERVICE_URL: urlOf("auth"),
        FLAG_SERVICE_URL: urlOf("flag"),
        TARGETING_SERVICE_URL: urlOf("targeting"),
        SERVICE_API_KEY: apiKey,
        JWT_SECRET,
      }),
      start("analytics", {
        ...awsEnv,
        AUTH_SERVICE_URL: urlOf("auth"),
        JWT_SECRET,
      }),
    ]);

    const decision = await fetch(`${urlOf("evaluation")}/evaluate?user_id=u-1&flag_name=deno-flag`);
    expect(await decision.json()).toEqual({ flag_name: "deno-flag", user_id: "u-1", result: true });

    const totals = async () => {
      const response = await fetch(`${urlOf("analytics")}/analytics/flags/deno-flag`, {
        headers: bearer(apiKey),
      });
      return ((await response.json()) as { totals: { true: number; false: number } }).totals;
    };
    const deadline = Date.now() + 15_000;
    while ((await totals()).true === 0 && Date.now() < deadline) await Bun.sleep(100);
    expect(await totals()).toEqual({ true: 1, false: 0 });
  });

  test("every service stops gracefully on SIGTERM", async () => {
    expect([...running.keys()].sort()).toEqual([...SERVICES].sort());
    for (const [service, started] of running) {
      expect({ service, code: await started.stop() }).toEqual({ service, code: 0 });
      expect(messagesOf(started).slice(-2)).toEqual(["shutting down", "stopped"]);
    }
  });
});
