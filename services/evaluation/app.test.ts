import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { systemClock } from "@togglemaster/shared/clock";
import type { Env } from "@togglemaster/shared/config";
import { Freshness } from "@togglemaster/shared/freshness";
import {
  type DataServices,
  evaluate,
  metricValue,
  redisTestPrefix,
  requestCount,
  startDataServices,
  startEvaluation,
  TEST_REDIS_URL,
  timeUntil,
} from "../../test/support/evaluation.ts";
import { backendsFor, memoryLogger } from "../../test/support/testing.ts";
import type { EvaluationDeps } from "./service.ts";

const backends = await backendsFor("app.test.ts: it runs auth, flag and targeting");

describe.skipIf(!backends)("evaluation over HTTP (PostgreSQL and Redis)", () => {
  /** JSON, as every answer is; Elysia adds the charset. */
  const JSON_TYPE = /^application\/json(;\s*charset=utf-8)?$/;

  let stack: DataServices;
  let service: ReturnType<typeof startEvaluation>;
  const redisKeys = redisTestPrefix();
  const stops: (() => Promise<unknown>)[] = [];

  /** An evaluation service on this stack, stopped after the tests. */
  function startService(env: Env = {}, deps: EvaluationDeps = {}) {
    const started = startEvaluation(
      { ...stack.evaluationEnv(), REDIS_URL: TEST_REDIS_URL, ...env },
      { ...deps, cacheOptions: { redisKeyPrefix: redisKeys.prefix, ...deps.cacheOptions } },
    );
    stops.push(started.stop);
    return started;
  }

  const result = async (base: string, userId: string, flagName: string) => {
    const { status, body } = await evaluate(base, userId, flagName);
    if (status !== 200) throw new Error(`evaluate answered ${status}: ${JSON.stringify(body)}`);
    return body.result;
  };

  /** Waits until the service follows change notices (its subscriber is subscribed). */
  const noticesFollowed = async (started: ReturnType<typeof startEvaluation>) => {
    const readiness = () =>
      fetch(`${started.url}/health/ready`).then((response) => response.json());
    const waited = await timeUntil(async () => (await readiness()).checks.change_notices === "ok");
    if (waited === Number.POSITIVE_INFINITY) throw new Error("change notices not followed");
  };

  beforeAll(async () => {
    stack = await startDataServices();
    service = startService();
    await Promise.all([
      stack.createFlag("enable-new-dashboard"),
      stack.createFlag("disabled-flag", false),
      stack.createFlag("static-flag"),
      stack.createFlag("paused-rule"),
      stack.createFlag("beta-list"),
    ]);
    await Promise.all([
      stack.createRule("enable-new-dashboard", { type: "PERCENTAGE", value: 50 }),
      stack.createRule("disabled-flag", { type: "PERCENTAGE", value: 100 }),
      stack.createRule("paused-rule", { type: "PERCENTAGE", value: 0 }, false),
      stack.createRule("beta-list", { type: "USER_LIST", values: ["ana", "bia"] }),
    ]);
    await noticesFollowed(service);
  });

  afterAll(async () => {
    await Promise.all(stops.map((stop) => stop()));
    await stack.stop();
    await redisKeys.clean();
  });

  describe("GET /evaluate", () => {
    test("200 with flag_name, user_id and result", async () => {
      const { status, body } = await evaluate(service.url, "user-123", "enable-new-dashboard");
      expect(status).toBe(200);
      expect(body).toEqual({
        flag_name: "enable-new-dashboard",
        user_id: "user-123",
        result: true,
      });
    });

    test.each([
      ["PERCENTAGE 50, bucket 25", "user-123", "enable-new-dashboard", true],
      ["PERCENTAGE 50, bucket 71", "user-abc", "enable-new-dashboard", false],
      ["PERCENTAGE 50, bucket 81", "test-user-1", "enable-new-dashboard", false],
      ["a disabled flag with a 100 % rule", "user-123", "disabled-flag", false],
      ["an enabled flag without a rule", "anyone", "static-flag", true],
      ["an enabled flag with a disabled 0 % rule", "anyone", "paused-rule", true],
      ["USER_LIST, listed", "bia", "beta-list", true],
      ["USER_LIST, not listed", "carla", "beta-list", false],
      ["a flag that does not exist", "anyone", "no-such-flag", false],
      ["a name no flag can have", "anyone", "../flags", false],
    ])("%s → %p", async (_, userId, flagName, expected) => {
      expect(await result(service.url, userId, flagName)).toBe(expected);
    });

    test.each([
      ["no parameters", "", "user_id e flag_name são obrigatórios"],
      ["no flag_name", "user_id=u", "user_id e flag_name são obrigatórios"],
      ["an empty user_id", "user_id=&flag_name=f", "user_id e flag_name são obrigatórios"],
      [
        "a user_id over 256 characters",
        `user_id=${"u".repeat(257)}&flag_name=f`,
        "'user_id' deve ter no máximo 256 caracteres",
      ],
      [
        "a flag_name over 100 characters",
        `user_id=u&flag_name=${"f".repeat(101)}`,
        "'flag_name' deve ter no máximo 100 caracteres",
      ],
    ])("400 for %s", async (_, query, message) => {
      const response = await fetch(`${service.url}/evaluate?${query}`);
      expect(response.status).toBe(400);
      expect((await response.json()).error).toBe(message);
    });
  });

  describe("/evaluate goes through the platform's edge", () => {
    test("headers, request id, error shape and metrics", async () => {
      const ok = await fetch(`${service.url}/evaluate?user_id=u&flag_name=static-flag`, {
        headers: { "x-request-id": "direct-1" },
      });
      expect(ok.headers.get("content-type")).toMatch(JSON_TYPE);
      expect(ok.headers.get("x-request-id")).toBe("direct-1");
      expect(ok.headers.get("x-content-type-options")).toBe("nosniff");
      expect(ok.headers.get("content-security-policy")).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(ok.headers.get("access-control-allow-origin")).toBeNull();
      const bad = await fetch(`${service.url}/evaluate`);
      expect(bad.headers.get("x-request-id")).toBeTruthy();
      expect(bad.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(await bad.json()).toEqual({
        error: "user_id e flag_name são obrigatórios",
        code: "MISSING_PARAMETERS",
      });
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toMatch(
        /http_requests_total\{method="GET",route="\/evaluate",status="400"\} \d+/,
      );
    });

    test("successful evaluations are summarised in the log, failures a line each, metrics count all", async () => {
      const logger = memoryLogger("evaluation");
      const logged = startService({}, { logger });
      for (let index = 0; index < 5; index++)
        await result(logged.url, `user-${index}`, "static-flag");
      expect((await fetch(`${logged.url}/evaluate?user_id=u`)).status).toBe(400);
      const ofrep = await fetch(`${logged.url}/ofrep/v1/evaluate/flags/static-flag`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${stack.key}` },
        body: JSON.stringify({ context: { targetingKey: "u" } }),
      });
      expect(ofrep.status).toBe(200);
      logger.flush();
      const lines = logger.records();
      const accessLines = lines.filter((line) => line.message === "request");
      expect(accessLines.map((line) => [line.route, line.status])).toEqual([["/evaluate", 400]]);
      const summaries = lines.filter((line) => line.message === "requests summary");
      expect(summaries).toHaveLength(2);
      expect(summaries).toContainEqual(
        expect.objectContaining({ route: "/evaluate", requests: 5, statuses: { "200": 5 } }),
      );
      expect(summaries).toContainEqual(
        expect.objectContaining({
          route: "/ofrep/v1/evaluate/flags/:key",
          requests: 1,
          statuses: { "200": 1 },
        }),
      );
      expect(requestCount(logged, "/evaluate")).toBe(6);
    });

    test("app.fetch, as Deno serves it, answers the same", async () => {
      const viaFetch = await service.app.fetch(
        new Request("http://localhost/evaluate?user_id=user-123&flag_name=enable-new-dashboard"),
      );
      expect(viaFetch.status).toBe(200);
      expect(viaFetch.headers.get("content-type")).toMatch(JSON_TYPE);
      expect(await viaFetch.json()).toEqual({
        flag_name: "enable-new-dashboard",
        user_id: "user-123",
        result: true,
      });
      const bad = await service.app.fetch(new Request("http://localhost/evaluate?user_id=u"));
      expect(bad.status).toBe(400);
      expect((await bad.json()).code).toBe("MISSING_PARAMETERS");
    });
  });

  describe("cache", () => {
    test("100 concurrent cold requests cost one flag and one rule lookup", async () => {
      await stack.createFlag("burst-flag");
      const flagCalls = await requestCount(stack.flag, "/flags/:name");
      const ruleCalls = await requestCount(stack.targeting, "/rules/:flag_name");
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          evaluate(service.url, `user-${index}`, "burst-flag"),
        ),
      );
      expect(results.every(({ status, body }) => status === 200 && body.result === true)).toBe(
        true,
      );
      expect((await requestCount(stack.flag, "/flags/:name")) - flagCalls).toBe(1);
      expect((await requestCount(stack.targeting, "/rules/:flag_name")) - ruleCalls).toBe(1);
    });

    test("a warm flag is answered from memory: no call to flag, targeting or Redis", async () => {
      await result(service.url, "warm", "static-flag");
      const calls =
        (await requestCount(stack.flag, "/flags/:name")) +
        (await requestCount(stack.targeting, "/rules/:flag_name"));
      const redisHits = metricValue(service.metrics, "evaluation_cache_redis_hits_total");
      const memoryHits = metricValue(service.metrics, "evaluation_cache_hits_total");
      for (let index = 0; index < 50; index++)
        await result(service.url, `user-${index}`, "static-flag");
      expect(
        (await requestCount(stack.flag, "/flags/:name")) +
          (await requestCount(stack.targeting, "/rules/:flag_name")),
      ).toBe(calls);
      expect(metricValue(service.metrics, "evaluation_cache_redis_hits_total")).toBe(redisHits);
      expect(metricValue(service.metrics, "evaluation_cache_hits_total")).toBe(memoryHits + 50);
    });

    test("a second replica reads the flag from Redis", async () => {
      const replica = startService();
      await noticesFollowed(replica);
      const calls = await requestCount(stack.flag, "/flags/:name");
      expect(await result(replica.url, "bia", "beta-list")).toBe(true);
      expect(await requestCount(stack.flag, "/flags/:name")).toBe(calls);
      expect(metricValue(replica.metrics, "evaluation_cache_redis_hits_total")).toBe(1);
    });

    test("a missing flag is cached negatively, and its creation is seen at once", async () => {
      expect(await result(service.url, "u", "created-later")).toBe(false);
      const calls = await requestCount(stack.flag, "/flags/:name");
      for (let index = 0; index < 5; index++)
        expect(await result(service.url, "u", "created-later")).toBe(false);
      expect(await requestCount(stack.flag, "/flags/:name")).toBe(calls);
      await stack.createFlag("created-later");
      expect(
        await timeUntil(async () => (await result(service.url, "u", "created-later")) === true),
      ).toBeLessThan(1_000);
    });
  });

  describe("changes", () => {
    test("a flag change reaches evaluation through Redis pub/sub within a second", async () => {
      // Entries that only a notice can refresh: the change cannot come from expiry.
      const patient = startService(
        {},
        { cacheOptions: { freshness: new Freshness(60_000, 60_000) } },
      );
      await noticesFollowed(patient);
      await stack.createFlag("toggled-flag");
      expect(await result(patient.url, "u", "toggled-flag")).toBe(true);
      await stack.updateFlag("toggled-flag", false);
      expect(
        await timeUntil(async () => (await result(patient.url, "u", "toggled-flag")) === false),
      ).toBeLessThan(1_000);
      await stack.updateFlag("toggled-flag", true);
      expect(
        await timeUntil(async () => (await result(service.url, "u", "toggled-flag")) === true),
      ).toBeLessThan(1_000);
    });

    test("a rule change reaches evaluation within a second", async () => {
      expect(await result(service.url, "carla", "beta-list")).toBe(false);
      await stack.updateRule("beta-list", { rules: { type: "USER_LIST", values: ["carla"] } });
      expect(
        await timeUntil(async () => (await result(service.url, "carla", "beta-list")) === true),
      ).toBeLessThan(1_000);
    });

    test("without Redis a change shows within a second too", async () => {
      const local = startService({ REDIS_URL: "" });
      await stack.createFlag("local-flag");
      expect(await result(local.url, "u", "local-flag")).toBe(true);
      await stack.updateFlag("local-flag", false);
      // Polling keeps the flag in use: its refreshes run in the background.
      expect(
        await timeUntil(async () => (await result(local.url, "u", "local-flag")) === false),
      ).toBeLessThan(1_500);
    });
  });

  describe("failures", () => {
    test("flag-service stopped: the last known value is served for a day; an unknown flag is 502", async () => {
      let clock = Date.now();
      const flagApp = await stack.startFlag();
      const isolated = startService(
        { REDIS_URL: "", FLAG_SERVICE_URL: flagApp.url },
        { clock: { ...systemClock, now: () => clock } },
      );
      expect(await result(isolated.url, "user-123", "enable-new-dashboard")).toBe(true);
      await flagApp.stop();
      clock += 2_000;
      expect(await result(isolated.url, "user-123", "enable-new-dashboard")).toBe(true);
      expect(await result(isolated.url, "user-abc", "enable-new-dashboard")).toBe(false);
      expect(
        metricValue(isolated.metrics, "evaluation_cache_stale_served_total"),
      ).toBeGreaterThanOrEqual(2);
      const unknown = await evaluate(isolated.url, "user-123", "static-flag");
      expect(unknown.status).toBe(502);
      expect(unknown.body).toEqual({
        error: "Erro interno ao avaliar a flag",
        code: "UPSTREAM_UNAVAILABLE",
      });
      clock += 24 * 60 * 60 * 1000;
      expect((await evaluate(isolated.url, "user-123", "enable-new-dashboard")).status).toBe(502);
    });

    test("targeting stopped: an enabled flag is 502, never true for everyone", async () => {
      const targetingApp = await stack.startTargeting();
      await targetingApp.stop();
      const isolated = startService({ REDIS_URL: "", TARGETING_SERVICE_URL: targetingApp.url });
      const { status, body } = await evaluate(isolated.url, "user-abc", "enable-new-dashboard");
      expect(status).toBe(502);
      expect(body.error).toBe("Erro interno ao avaliar a flag");
    });

    test("Redis down: evaluations still answer, readiness reports Redis without failing", async () => {
      const noRedis = startService({ REDIS_URL: "redis://127.0.0.1:1" });
      expect(await result(noRedis.url, "user-123", "enable-new-dashboard")).toBe(true);
      expect(await result(noRedis.url, "user-abc", "enable-new-dashboard")).toBe(false);
      const ready = await fetch(`${noRedis.url}/health/ready`);
      const body = await ready.json();
      expect(ready.status).toBe(200);
      expect(body.checks).toMatchObject({ flag: "ok", targeting: "ok", auth: "ok" });
      expect(body.checks.redis).not.toBe("ok");
      expect(body.checks.change_notices).not.toBe("ok");
    });

    test("with no flag in memory, not ready while a service it reads from is down", async () => {
      const broken = startService({ REDIS_URL: "", AUTH_SERVICE_URL: "http://127.0.0.1:1" });
      const ready = await fetch(`${broken.url}/health/ready`);
      expect(ready.status).toBe(503);
      const { checks } = await ready.json();
      expect(checks.serving).not.toBe("ok");
      expect(checks.auth).not.toBe("ok");
    });

    test("with flags in memory, ready while the services it reads from are down", async () => {
      const flagApp = await stack.startFlag();
      const warm = startService({ REDIS_URL: "", FLAG_SERVICE_URL: flagApp.url });
      expect(await result(warm.url, "user-123", "enable-new-dashboard")).toBe(true);
      await flagApp.stop();
      const ready = await fetch(`${warm.url}/health/ready`);
      expect(ready.status).toBe(200);
      const { checks } = await ready.json();
      expect(checks.serving).toBe("ok");
      expect(checks.flag).not.toBe("ok");
    });
  });

  test("metrics count cache hits and misses as they happen", async () => {
    const value = async (name: string) => {
      const text = await fetch(`${service.url}/metrics`).then((response) => response.text());
      expect(text).toContain(`# TYPE ${name} counter`);
      const sample = new RegExp(`^${name} (\\d+)$`, "m").exec(text);
      if (sample === null) throw new Error(`no sample of ${name}`);
      return Number(sample[1]);
    };
    await stack.createFlag("counted-flag");
    const [hits, misses] = [
      await value("evaluation_cache_hits_total"),
      await value("evaluation_cache_misses_total"),
    ];
    for (let index = 0; index < 5; index++)
      await result(service.url, `user-${index}`, "counted-flag");
    expect(await value("evaluation_cache_misses_total")).toBe(misses + 1);
    expect(await value("evaluation_cache_hits_total")).toBe(hits + 4);
    expect(await value("evaluation_cache_stale_served_total")).toBeGreaterThanOrEqual(0);
    expect(await value("evaluation_upstream_errors_total")).toBeGreaterThanOrEqual(0);
  });
});
