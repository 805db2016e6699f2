import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSummary, planCapacity } from "../capacity/model.ts";
import { runLocal } from "./run.ts";
import { type StandIn, startStandIn } from "./stand-in.ts";

// Limits loose enough that a busy CI machine does not fail a stage on latency.
const LOOSE_LIMITS = {
  EVALUATE_P95_MS: "5000",
  EVALUATE_P99_MS: "5000",
  OFREP_P95_MS: "5000",
  OFREP_P99_MS: "5000",
  MANAGEMENT_P95_MS: "5000",
  MANAGEMENT_P99_MS: "5000",
  RATE_TOLERANCE: "0.5",
};

let standIn: StandIn | undefined;
let resultsDir: string | undefined;

afterEach(async () => {
  standIn?.stop();
  if (resultsDir) await rm(resultsDir, { recursive: true, force: true });
  standIn = undefined;
  resultsDir = undefined;
});

async function setUp(options: Parameters<typeof startStandIn>[0] = {}) {
  standIn = startStandIn(options);
  resultsDir = await mkdtemp(join(tmpdir(), "load-local-"));
  return { standIn, resultsDir };
}

const quiet = () => {};

describe("local load runner", () => {
  test("steps the rate, writes a summary the capacity model accepts, and cleans up", async () => {
    const { standIn, resultsDir } = await setUp();
    const env = {
      ...standIn.env,
      ...LOOSE_LIMITS,
      RESULTS_DIR: resultsDir,
      START_RPS: "40",
      STEP_RPS: "40",
      STEPS: "2",
      STAGE_SECONDS: "2",
      FLAGS: "3",
      USERS: "50",
      WRITE_SHARE: "0.1",
      NODES: "2",
    };

    const { path, toggle } = await runLocal(env, quiet);

    expect(path).toBe(`${resultsDir}/local-summary.json`);
    const written = await Bun.file(path).json();
    expect(written.toggle).toEqual(toggle);
    const measurement = parseSummary(path, written);
    expect(measurement.nodes).toBe(2);
    expect(measurement.stages.map((stage) => stage.targetRps)).toEqual([40, 80]);
    for (const stage of toggle.stages) {
      expect(stage.achievedRps).toBeGreaterThan(0);
      expect(stage.errorRate).toBe(0);
      expect(stage.routes.evaluate.requests).toBeGreaterThan(stage.routes.ofrep.requests);
    }

    const plan = planCapacity({
      peakRps: 500,
      headroom: 0.3,
      maxNodes: 3,
      measurements: [measurement],
    });
    // Two nodes served at most ~80 rps, so 650 rps needs well over three nodes.
    expect(plan.nodesNeeded).toBeGreaterThan(3);
    expect(plan.raiseMax).toBe(true);

    expect(standIn.hits.get("POST /admin/keys")).toBe(1);
    expect(standIn.hits.get("POST /ofrep/v1/evaluate/flags")).toBeGreaterThan(0);
    expect(standIn.hits.get("PUT /flags/:name")).toBeGreaterThan(0);
    expect(standIn.hits.get("PUT /rules/:flag_name")).toBeGreaterThan(0);
    expect(standIn.flags.size).toBe(0);
    expect(standIn.rules.size).toBe(0);
  });

  test("counts server errors and fails the stage that has them", async () => {
    const { standIn, resultsDir } = await setUp({ failEveryEvaluate: 5 });
    const env = {
      ...standIn.env,
      ...LOOSE_LIMITS,
      RESULTS_DIR: resultsDir,
      START_RPS: "50",
      STEPS: "1",
      STAGE_SECONDS: "2",
      FLAGS: "2",
    };

    const { toggle } = await runLocal(env, quiet);

    const [stage] = toggle.stages;
    expect(stage?.errorRate).toBeGreaterThan(0.1);
    expect(stage?.passed).toBe(false);
    expect(stage?.failures.join(" ")).toContain("errors");
  });

  test("refuses to run without a master key", async () => {
    const { standIn, resultsDir } = await setUp();
    const env = { ...standIn.env, MASTER_KEY: "", RESULTS_DIR: resultsDir };

    await expect(runLocal(env, quiet)).rejects.toThrow("MASTER_KEY is not set");
  });

  test("reports a rejected master key with the service's answer", async () => {
    const { standIn, resultsDir } = await setUp();
    const env = { ...standIn.env, MASTER_KEY: "wrong", RESULTS_DIR: resultsDir };

    await expect(runLocal(env, quiet)).rejects.toThrow("answered 403 instead of 201");
  });

  test("refuses a plan longer than MAX_SECONDS before sending anything", async () => {
    const { standIn, resultsDir } = await setUp();
    const env = { ...standIn.env, RESULTS_DIR: resultsDir, STEPS: "10", STAGE_SECONDS: "10" };

    await expect(runLocal(env, quiet)).rejects.toThrow("over MAX_SECONDS=60");
    expect(standIn.hits.size).toBe(0);
  });
});
