/**
 * Test support: real auth, flag and targeting services on throwaway databases, announcing
 * changes on the real Redis, and evaluation services built as `main` builds them.
 */
import type { Env } from "@togglemaster/shared/config";
import type { Registry } from "@togglemaster/shared/metrics";
import type { Rule } from "@togglemaster/shared/rules";
import type { Service } from "@togglemaster/shared/serve";
import Redis from "ioredis";
import { readConfig as evaluationConfig } from "../../services/evaluation/config.ts";
import { createEvaluationService, type EvaluationDeps } from "../../services/evaluation/service.ts";
import { readConfig as flagConfig } from "../../services/flag/config.ts";
import { createFlagService } from "../../services/flag/service.ts";
import { readConfig as targetingConfig } from "../../services/targeting/config.ts";
import { createTargetingService } from "../../services/targeting/service.ts";
import { startAuthService } from "./auth.ts";
import { createTestDatabase, listen, memoryLogger, TEST_REDIS_URL } from "./testing.ts";

export { TEST_REDIS_URL };

/** A running service: its URL, its metrics and a way to stop it. */
export interface RunningApp {
  url: string;
  metrics: Registry;
  stop(): Promise<void>;
}

/** Listens with a service built by its factory; stopping closes what it holds. */
export function listening(service: Service): RunningApp {
  let stopped = false;
  return {
    url: listen(service.app),
    metrics: service.metrics,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await service.app.stop(true);
      await service.close();
    },
  };
}

export async function startDataServices() {
  const logger = memoryLogger("data");
  const auth = await startAuthService();
  const [flagDb, targetingDb] = await Promise.all([
    createTestDatabase("evalflag"),
    createTestDatabase("evalrules"),
  ]);
  const { key } = await auth.createKey("evaluation-tests");
  const apps: RunningApp[] = [];
  const common = {
    AUTH_SERVICE_URL: auth.url,
    JWT_SECRET: auth.jwtSecret,
    REDIS_URL: TEST_REDIS_URL,
  };

  const start = async (service: Promise<Service>) => {
    const running = listening(await service);
    apps.push(running);
    return running;
  };
  const startTargeting = () =>
    start(
      createTargetingService(targetingConfig({ ...common, DATABASE_URL: targetingDb.url }), {
        logger,
      }),
    );
  // flag-service keeps flagd targeting in targeting-service, so it starts knowing where.
  const targeting = await startTargeting();
  const startFlag = (targetingUrl = targeting.url) =>
    start(
      createFlagService(
        flagConfig({
          ...common,
          DATABASE_URL: flagDb.url,
          TARGETING_SERVICE_URL: targetingUrl,
        }),
        { logger },
      ),
    );
  const flag = await startFlag();

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
    /** The services' databases, for tests that look at or tamper with what they hold. */
    flagDatabaseUrl: flagDb.url,
    targetingDatabaseUrl: targetingDb.url,
    createFlag: (name: string, isEnabled = true) =>
      call(`${flag.url}/flags`, "POST", { name, is_enabled: isEnabled }),
    updateFlag: (name: string, isEnabled: boolean) =>
      call(`${flag.url}/flags/${name}`, "PUT", { is_enabled: isEnabled }),
    deleteFlag: (name: string) => call(`${flag.url}/flags/${name}`, "DELETE"),
    createRule: (name: string, rules: Rule, isEnabled = true) =>
      call(`${targeting.url}/rules`, "POST", { flag_name: name, rules, is_enabled: isEnabled }),
    updateRule: (name: string, patch: { rules?: Rule; is_enabled?: boolean }) =>
      call(`${targeting.url}/rules/${name}`, "PUT", patch),
    /** The environment of an evaluation service using these services. */
    evaluationEnv: (): Env => ({
      AUTH_SERVICE_URL: auth.url,
      FLAG_SERVICE_URL: flag.url,
      TARGETING_SERVICE_URL: targeting.url,
      SERVICE_API_KEY: key,
      JWT_SECRET: auth.jwtSecret,
    }),
    async stop() {
      await Promise.all(apps.map((app) => app.stop()));
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

/** A listening evaluation service from `env`, built as `main` builds it. */
export function startEvaluation(env: Env, deps: EvaluationDeps = {}) {
  const service = createEvaluationService(evaluationConfig(env), {
    logger: memoryLogger("evaluation"),
    ...deps,
  });
  return { ...service, ...listening(service) };
}

/** The value of a metric without labels, from an evaluation service's registry. */
export function metricValue(metrics: Registry, name: string): number {
  const line = metrics
    .render()
    .split("\n")
    .find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

/** Requests a route of a service received, from its own metrics. */
export function requestCount(app: Pick<RunningApp, "metrics">, route: string): number {
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
