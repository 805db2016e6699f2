// handleSummary for every script: k6's own summary data plus the `toggle` block, written to
// <RESULTS_DIR>/<script>-summary.json, and a short text report on stdout.

import { stageMetric } from "./options.ts";
import { measuredStages, type Phase } from "./phases.ts";
import { ROUTES, type Route, type Settings } from "./settings.ts";
import { judgeStage, type RouteNumbers, renderToggle, round, type ToggleBlock } from "./toggle.ts";

/** The part of k6's end-of-test summary data this project reads. */
export interface K6Metric {
  type: string;
  contains?: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface K6SummaryData {
  metrics: Record<string, K6Metric>;
  [key: string]: unknown;
}

export function toggleFromK6(
  data: K6SummaryData,
  script: string,
  phases: readonly Phase[],
  settings: Settings,
): ToggleBlock {
  const value = (metric: string, stat: string) => data.metrics[metric]?.values[stat] ?? 0;
  const stages = measuredStages(phases).map(({ stage, targetRps, seconds }) => {
    const routeNumbers = (route: Route): RouteNumbers => {
      const duration = stageMetric.duration(stage, route);
      return {
        requests: value(stageMetric.requests(stage, route), "count"),
        p95: round(value(duration, "p(95)"), 3),
        p99: round(value(duration, "p(99)"), 3),
      };
    };
    const routes = {
      evaluate: routeNumbers("evaluate"),
      ofrep: routeNumbers("ofrep"),
      management: routeNumbers("management"),
    };
    const requests = ROUTES.reduce((sum, route) => sum + routes[route].requests, 0);
    return judgeStage(
      {
        stage,
        targetRps,
        durationSeconds: seconds,
        achievedRps: round(requests / seconds, 2),
        p95: routes.evaluate.p95,
        p99: routes.evaluate.p99,
        errorRate: round(value(stageMetric.failed(stage), "rate"), 5),
        routes,
        droppedIterations: value(stageMetric.dropped(stage), "count"),
      },
      settings.limits,
    );
  });
  return {
    script,
    generator: "k6",
    nodes: settings.nodes,
    podsEvaluation: settings.evaluationPods,
    limits: settings.limits,
    stages,
  };
}

export function summaryPath(settings: Settings, script: string): string {
  return `${settings.resultsDir}/${script}-summary.json`;
}

/** What handleSummary returns: file path (or "stdout") to content. */
export function summaryOutputs(
  data: K6SummaryData,
  script: string,
  phases: readonly Phase[],
  settings: Settings,
): Record<string, string> {
  const toggle = toggleFromK6(data, script, phases, settings);
  const path = summaryPath(settings, script);
  return {
    [path]: `${JSON.stringify({ ...data, toggle }, null, 2)}\n`,
    stdout: `\n${renderToggle(toggle)}\nSummary written to ${path}\n`,
  };
}
