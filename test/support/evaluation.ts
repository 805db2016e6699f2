/**
 * Test support: real auth, flag and targeting services on throwaway databases, announcing
 * changes on the real Redis, and an evaluation service wired as `main` wires it.
 */
import { createKeyValidator } from "@togglemaster/shared/auth-guard";
import { changePublisher } from "@togglemaster/shared/changes";
import type { DataServiceOptions } from "@togglemaster/shared/data-service";
import { createPool, migrate } from "@togglemaster/shared/db";
import { Registry } from "@togglemaster/shared/metrics";
import { createRedis } from "@togglemaster/shared/redis";
import type { Rule } from "@togglemaster/shared/rules";
import {
  createTestDatabase,
  listen,
  memoryLogger,
  TEST_REDIS_URL,
} from "@togglemaster/shared/testing";
import type { AnyElysia } from "elysia";
import Redis from "ioredis";
import { startAuthService } from "../auth/fixture.ts";
import { createFlagApp } from "../flag/app.ts";
import { migrations as flagMigrations } from "../flag/migrations/index.ts";
import { createFlagStore } from "../flag/store.ts";
import { createTargetingApp } from "../targeting/app.ts";
import { migrations as targetingMigrations } from "../targeting/migrations/index.ts";
import { createRuleStore } from "../targeting/store.ts";
import { createEvaluationService, type EvaluationServiceOptions } from "./main.ts";

export { TEST_REDIS_URL };

/** A running data service: its URL, its metrics and a way to stop it. */
export interface RunningApp {
  url: string;
  metrics: Registry;
  stop(): Promise<void>;
}

export async function startDataServices() {
  const logger = memoryLogger("data");
  const auth = await startAuthService();
  const [flagDb, targetingDb] = await Promise.all([
    createTestDatabase("evalflag"),
    createTestDatabase("evalrules"),
  ]);
  const flagPool = createPool(flagDb.url);
  const targetingPool = createPool(targetingDb.url);
  await Promise.all([
    migrate(flagPool, "flag", flagMigrations),
    migrate(targetingPool, "targeting", targetingMigrations),
  ]);
  const publisher = createRedis(TEST_REDIS_URL, logger, "publisher");
  const { key } = await auth.createKey("evaluation-tests");
  const apps: RunningApp[] = [];

  const start = (create: (options: DataServiceOptions) => AnyElysia): RunningApp => {
    const metrics = new Registry();
    const app = create({
      validateKey: createKeyValidator({ authUrl: auth.url }),
      jwtSecret: auth.jwtSecret,
      publish: changePublisher(publisher, logger),
      logger,
      metrics,
      ready: {},
    });
    let stopped = false;
    const running: RunningApp = {
      url: listen(app),
      metrics,
      stop: async () => {
        if (!stopped) await app.stop(true);
        stopped = true;
      },
    };
    apps.push(running);
    return running;
  };
  const startFlag = () => start((options) => createFlagApp(createFlagStore(flagPool), options));
  const startTargeting = () =>
    start((options) => createTargetingApp(createRuleStore(targetingPool), options));
  const flag = startFlag();
  const targeting = startTargeting();

  const call = async (url: string, method: string, body?: unknown) => {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${key}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}`);
  };

  return {
    auth,
    key,
    flag,
    targeting,
    startFlag,
    startTargeting,
    createFlag: (name: string, isEnabled = true) =>
      call(`${flag.url}/flags`, "POST", { name, is_enabled: isEnabled }),
    updateFlag: (name: string, isEnabled: boolean) =>
      call(`${flag.url}/flags/${name}`, "PUT", { is_enabled: isEnabled }),
    deleteFlag: (name: string) => call(`${flag.url}/flags/${name}`, "DELETE"),
    createRule: (name: string, rules: Rule, isEnabled = true) =>
      call(`${targeting.url}/rules`, "POST", { flag_name: name, rules, is_enabled: isEnabled }),
    updateRule: (name: string, patch: { rules?: Rule; is_enabled?: boolean }) =>
      call(`${targeting.url}/rules/${name}`, "PUT", patch),
    /** Options for an evaluation service using these services. */
    evaluationOptions: (): EvaluationServiceOptions => ({
      authUrl: auth.url,
      flagUrl: flag.url,
      targetingUrl: targeting.url,
      apiKey: key,
      jwtSecret: auth.jwtSecret,
      logger: memoryLogger("evaluation"),
    }),
    async stop() {
      await Promise.all(apps.map((app) => app.stop()));
      publisher.disconnect();
      await Promise.all([flagPool.end(), targetingPool.end()]);
      await Promise.all([flagDb.drop(), targetingDb.drop(), auth.stop()]);
    },
  };
}

export type DataServices = Awaited<ReturnType<typeof startDataServices>>;

/** A Redis key prefix of its own for one test run, and a way to remove its keys. */
export function redisTestPrefix() {
  const prefix = `tm_test_${crypto.randomUUID().slice(0, 8)}:flag_info:`;
  return {
    prefix,
    async clean() {
      const redis = new Redis(TEST_REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** A listening evaluation service, wired as `main` wires it. */
export function startEvaluation(options: EvaluationServiceOptions) {
  const service = createEvaluationService(options);
  return {
    ...service,
    url: listen(service.app),
    async stop() {
      await service.app.stop(true);
      await service.close();
    },
  };
}

/** The value of a metric without labels, from an evaluation service's registry. */
export function metricValue(metrics: Registry, name: string): number {
  const line = metrics
    .render()
    .split("\n")
    .find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

/**
 * Requests a route of a data service received, from its own metrics, which are counted
 * just after each response is sent: hence the short wait.
 */
export async function requestCount(app: RunningApp, route: string): Promise<number> {
  await Bun.sleep(30);
  let total = 0;
  for (const line of app.metrics.render().split("\n")) {
    if (line.startsWith("http_requests_total{") && line.includes(`route="${route}"`))
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

export async function evaluate(base: string, userId: string, flagName: string) {
  const query = new URLSearchParams({ user_id: userId, flag_name: flagName });
  const response = await fetch(`${base}/evaluate?${query}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls until `check` is true; the time it took, or Infinity after `timeoutMs`. */
export async function timeUntil(check: () => Promise<boolean>, timeoutMs = 3_000) {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await check()) return performance.now() - started;
    await Bun.sleep(25);
  }
  return Number.POSITIVE_INFINITY;
}
