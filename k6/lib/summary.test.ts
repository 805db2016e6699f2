import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ConstantArrivalRateScenario, ObjectThreshold } from "k6/options";
import { k6Options, stageMetric } from "./options.ts";
import { loadPhases, measuredStages, type Phase, soakPhases, stressPhases } from "./phases.ts";
import { ROUTES, readSettings } from "./settings.ts";
import { type K6SummaryData, summaryOutputs, toggleFromK6 } from "./summary.ts";
import { judgeStage, type StageNumbers, sustainedStage, type ToggleBlock } from "./toggle.ts";

const samples = join(import.meta.dir, "..", "samples");

describe("k6 options", () => {
  const env = { START_RPS: "100", STEP_RPS: "50", STEPS: "3", STAGE_SECONDS: "30" };
  const options = k6Options(stressPhases(env), readSettings(env));

  test("stress runs one constant-rate scenario per step, back to back, tagged with its stage", () => {
    const scenarios = Object.values(options.scenarios ?? {}) as ConstantArrivalRateScenario[];

    expect(scenarios.map((scenario) => [scenario.rate, scenario.startTime, scenario.tags])).toEqual(
      [
        [100, "0s", { stage: "1" }],
        [150, "30s", { stage: "2" }],
        [200, "60s", { stage: "3" }],
      ],
    );
  });

  test("declares every per-stage sub-metric handleSummary reads, none aborting the run", () => {
    const thresholds = options.thresholds ?? {};
    for (const stage of [1, 2, 3]) {
      expect(thresholds).toHaveProperty([stageMetric.failed(stage)]);
      expect(thresholds).toHaveProperty([stageMetric.dropped(stage)]);
      for (const route of ROUTES) {
        expect(thresholds).toHaveProperty([stageMetric.duration(stage, route)]);
        expect(thresholds).toHaveProperty([stageMetric.requests(stage, route)]);
      }
    }
    const all = Object.values(thresholds).flat() as ObjectThreshold[];
    expect(all.every((threshold) => threshold.abortOnFail === false)).toBe(true);
    expect(thresholds["http_req_duration{route:evaluate,stage:2}"]).toEqual([
      { threshold: "p(95)<100", abortOnFail: false },
      { threshold: "p(99)<250", abortOnFail: false },
    ]);
  });

  test("ramps are not measured stages", () => {
    expect(measuredStages(loadPhases({ TARGET_RPS: "800" }))).toEqual([
      { stage: 1, targetRps: 800, seconds: 300 },
    ]);
    expect(
      measuredStages(soakPhases({ HOLD_SECONDS: "600", WINDOWS: "3" })).map((s) => s.seconds),
    ).toEqual([200, 200, 200]);
  });

  test("a bad number in the environment is named", () => {
    expect(() => stressPhases({ STEPS: "ten" })).toThrow(
      'STEPS must be a whole number ≥ 1, got "ten"',
    );
  });
});

describe("toggleFromK6", () => {
  for (const name of ["stress-1-node.json", "stress-3-nodes.json"]) {
    test(`reads back every stage of ${name} from k6's metrics`, async () => {
      const { toggle, ...data } = (await Bun.file(join(samples, name)).json()) as K6SummaryData & {
        toggle: ToggleBlock;
      };
      const phases: Phase[] = toggle.stages.map((stage) => ({
        targetRps: stage.targetRps,
        seconds: stage.durationSeconds,
      }));
      const settings = readSettings({
        NODES: String(toggle.nodes),
        EVALUATION_PODS: String(toggle.podsEvaluation),
      });

      expect(toggleFromK6(data, "stress", phases, settings)).toEqual(toggle);
    });
  }

  test("handleSummary writes the JSON under RESULTS_DIR and a text report to stdout", () => {
    const settings = readSettings({ RESULTS_DIR: "out/", NODES: "2" });
    const outputs = summaryOutputs(
      { metrics: {} },
      "smoke",
      [{ targetRps: 5, seconds: 30 }],
      settings,
    );

    expect(Object.keys(outputs).sort()).toEqual(["out/smoke-summary.json", "stdout"]);
    const written = JSON.parse(outputs["out/smoke-summary.json"] ?? "{}");
    expect(written.toggle).toMatchObject({ script: "smoke", nodes: 2, podsEvaluation: null });
    // No requests at all: the stage did not reach its rate.
    expect(written.toggle.stages[0].passed).toBe(false);
    expect(outputs.stdout).toContain("evaluation pods not set (EVALUATION_PODS)");
  });
});

describe("judgeStage", () => {
  const limits = readSettings({}).limits;
  const healthy: StageNumbers = {
    stage: 1,
    targetRps: 1000,
    durationSeconds: 60,
    achievedRps: 990,
    p95: 20,
    p99: 60,
    errorRate: 0.001,
    routes: {
      evaluate: { requests: 53_460, p95: 20, p99: 60 },
      ofrep: { requests: 4_752, p95: 40, p99: 120 },
      management: { requests: 0, p95: 0, p99: 0 },
    },
  };

  test("passes a stage within every limit", () => {
    expect(judgeStage(healthy, limits)).toMatchObject({ passed: true, failures: [] });
  });

  test("lists each broken limit", () => {
    const judged = judgeStage(
      {
        ...healthy,
        achievedRps: 900,
        errorRate: 0.02,
        routes: { ...healthy.routes, ofrep: { requests: 10, p95: 250, p99: 120 } },
        droppedIterations: 42,
      },
      limits,
    );

    expect(judged.passed).toBe(false);
    expect(judged.failures).toEqual([
      "errors 2.00 % ≥ 1.00 %",
      "ofrep p95 250.0 ms ≥ 200 ms",
      "achieved 900.0 rps < 950.0 rps (95.00 % of target) (k6 dropped 42)",
    ]);
  });
});

describe("sustainedStage", () => {
  test("is the best passing stage before the first failure", () => {
    const stages = [
      { passed: true, achievedRps: 100 },
      { passed: true, achievedRps: 200 },
      { passed: false, achievedRps: 250 },
      { passed: true, achievedRps: 400 },
    ];

    expect(sustainedStage(stages)?.achievedRps).toBe(200);
    expect(sustainedStage([{ passed: false, achievedRps: 50 }])).toBeUndefined();
  });
});
