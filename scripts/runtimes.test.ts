import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { SERVICE_NAMES } from "@togglemaster/shared/topology";
import { type Stack, startStack } from "../test/support/stack.ts";
import { bearer, json } from "../test/support/testing.ts";
import { entryPoint, SERVICES } from "./build.ts";
import {
  type RunningService,
  runtimeFromEnv,
  serviceCommand,
  startCommand,
  startService,
} from "./runtimes.ts";

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
  let stack: Stack;
  let apiKey: string;
  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: "POST",
      headers: { ...bearer(apiKey), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    stack = await startStack({ runtime: "deno" });
    apiKey = (await stack.createKey("deno")).key;
  });

  afterAll(async () => {
    await stack.stop();
  });

  test("auth is ready, validates keys and runs on Deno", async () => {
    const auth = stack.url("auth");
    const ready = await json(await fetch(`${auth}/health/ready`));
    expect(ready).toEqual({ status: 200, body: { status: "ready", checks: { database: "ok" } } });
    const valid = await json(await fetch(`${auth}/validate`, { headers: bearer(apiKey) }));
    expect(valid).toEqual({ status: 200, body: { message: "Chave válida" } });
    const unknown = bearer(`tm_key_${"0".repeat(64)}`);
    expect((await fetch(`${auth}/validate`, { headers: unknown })).status).toBe(401);
    for (const service of SERVICE_NAMES)
      expect(stack.service(service)?.output()).toContain('"runtime":"deno"');
  });

  test("flag and targeting store what an API key sends them", async () => {
    const flag = await post(`${stack.url("flag")}/flags`, { name: "deno-flag", is_enabled: true });
    expect(flag.status).toBe(201);
    const rule = await post(`${stack.url("targeting")}/rules`, {
      flag_name: "deno-flag",
      rules: { type: "PERCENTAGE", value: 100 },
    });
    expect(rule.status).toBe(201);
    const read = await fetch(`${stack.url("flag")}/flags/deno-flag`, { headers: bearer(apiKey) });
    expect((await json(read)).body).toMatchObject({ name: "deno-flag", is_enabled: true });
  });

  test("evaluation decides and its event reaches analytics through SQS and DynamoDB", async () => {
    const decision = await fetch(
      `${stack.url("evaluation")}/evaluate?user_id=u-1&flag_name=deno-flag`,
    );
    expect(await decision.json()).toEqual({ flag_name: "deno-flag", user_id: "u-1", result: true });

    const totals = async () => {
      const response = await fetch(`${stack.url("analytics")}/analytics/flags/deno-flag`, {
        headers: bearer(apiKey),
      });
      return ((await response.json()) as { totals: { true: number; false: number } }).totals;
    };
    const deadline = Date.now() + 20_000;
    while ((await totals()).true === 0 && Date.now() < deadline) await Bun.sleep(100);
    expect(await totals()).toMatchObject({ true: 1, false: 0 });
  });

  test("every service stops gracefully on SIGTERM", async () => {
    for (const service of SERVICE_NAMES) {
      const started = stack.service(service);
      if (started === undefined) throw new Error(`${service} is not running`);
      expect({ service, code: await started.stop() }).toEqual({ service, code: 0 });
      expect(messagesOf(started).slice(-2)).toEqual(["shutting down", "stopped"]);
    }
  });
});
