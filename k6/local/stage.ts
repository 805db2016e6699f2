// One constant-rate stage of the local runner. autocannon sends to one host per instance,
// and locally each service has its own port, so the mix runs as parallel instances, each at
// its share of the stage's rate. Latencies come from every response, not from autocannon's
// per-second histogram, so p95 and p99 are exact over the stage.

import autocannon from "autocannon";
import type { Stage } from "../lib/phases.ts";
import type { Route, Settings } from "../lib/settings.ts";
import { type RouteNumbers, round, type StageNumbers } from "../lib/toggle.ts";
import type { Session } from "./session.ts";

interface Target {
  name: string;
  route: Route;
  baseUrl: string;
  rps: number;
  /** Whether the route needs the API key (/evaluate is public). */
  authorized: boolean;
  next: () => { method: string; path: string; body?: string };
}

export interface TargetCounts {
  name: string;
  rps: number;
  statusCodes: Record<string, number>;
  requestErrors: number;
}

export interface StageRun {
  numbers: StageNumbers;
  targets: TargetCounts[];
}

export async function runStage(
  stage: Stage,
  settings: Settings,
  session: Session,
): Promise<StageRun> {
  const latencies: Record<Route, number[]> = { evaluate: [], ofrep: [], management: [] };
  let failed = 0;
  const runs = targets(stage.targetRps, settings, session).map(async (target) => {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (target.authorized) headers.Authorization = `Bearer ${session.apiKey}`;
    const counts: TargetCounts = {
      name: target.name,
      rps: target.rps,
      statusCodes: {},
      requestErrors: 0,
    };
    const instance = autocannon({
      url: target.baseUrl,
      connections: Math.min(200, Math.ceil(target.rps / 20)),
      overallRate: target.rps,
      duration: stage.seconds,
      timeout: 10,
      requests: [
        {
          setupRequest: (request) => ({ ...request, ...target.next(), headers }),
        },
      ],
    });
    instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
      latencies[target.route].push(responseTimeMs);
      counts.statusCodes[statusCode] = (counts.statusCodes[statusCode] ?? 0) + 1;
      if (statusCode < 200 || statusCode >= 400) failed += 1;
    });
    instance.on("reqError", () => {
      counts.requestErrors += 1;
      failed += 1;
    });
    await instance;
    return counts;
  });
  const counts = await Promise.all(runs);
  const routes = {
    evaluate: routeNumbers(latencies.evaluate),
    ofrep: routeNumbers(latencies.ofrep),
    management: routeNumbers(latencies.management),
  };
  const requestErrors = counts.reduce((sum, target) => sum + target.requestErrors, 0);
  const attempts =
    routes.evaluate.requests + routes.ofrep.requests + routes.management.requests + requestErrors;
  return {
    numbers: {
      stage: stage.stage,
      targetRps: stage.targetRps,
      durationSeconds: stage.seconds,
      achievedRps: round(attempts / stage.seconds, 2),
      p95: routes.evaluate.p95,
      p99: routes.evaluate.p99,
      errorRate: attempts === 0 ? 0 : round(failed / attempts, 5),
      routes,
    },
    targets: counts,
  };
}

/** The request mix of a stage: /evaluate, OFREP bulk, and writes split over flags and rules. */
function targets(rps: number, settings: Settings, session: Session): Target[] {
  const { urls, mix, users } = settings;
  const user = () => `user-${Math.floor(Math.random() * users)}`;
  const flag = () => {
    const name = session.flagNames[Math.floor(Math.random() * session.flagNames.length)] ?? "";
    return encodeURIComponent(name);
  };
  const all: Target[] = [
    {
      name: "GET /evaluate",
      route: "evaluate",
      baseUrl: urls.evaluation,
      rps: Math.round(rps * mix.evaluate),
      authorized: false,
      next: () => ({ method: "GET", path: `/evaluate?user_id=${user()}&flag_name=${flag()}` }),
    },
    {
      name: "POST /ofrep/v1/evaluate/flags",
      route: "ofrep",
      baseUrl: urls.evaluation,
      rps: Math.round(rps * mix.ofrep),
      authorized: true,
      next: () => ({
        method: "POST",
        path: "/ofrep/v1/evaluate/flags",
        body: JSON.stringify({ context: { targetingKey: user() } }),
      }),
    },
    {
      name: "PUT /flags/:name",
      route: "management",
      baseUrl: urls.flag,
      rps: Math.round((rps * mix.write) / 2),
      authorized: true,
      next: () => ({
        method: "PUT",
        path: `/flags/${flag()}`,
        body: JSON.stringify({ description: `local load ${Date.now()}` }),
      }),
    },
    {
      name: "PUT /rules/:flag_name",
      route: "management",
      baseUrl: urls.targeting,
      rps: Math.round((rps * mix.write) / 2),
      authorized: true,
      next: () => ({
        method: "PUT",
        path: `/rules/${flag()}`,
        body: JSON.stringify({ rules: { type: "PERCENTAGE", value: 50 } }),
      }),
    },
  ];
  return all.filter((target) => target.rps > 0);
}

function routeNumbers(latencies: number[]): RouteNumbers {
  const sorted = latencies.toSorted((a, b) => a - b);
  return {
    requests: sorted.length,
    p95: round(percentile(sorted, 0.95), 3),
    p99: round(percentile(sorted, 0.99), 3),
  };
}

/** Nearest-rank percentile of sorted values; 0 when there are none. */
function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}
