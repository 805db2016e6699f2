import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  CapacityError,
  type Measurement,
  parseSummary,
  planCapacity,
  SummaryError,
} from "./capacity/model.ts";
import { BACKEND_ASSUMPTIONS, type DeploymentPlan, planDeployment } from "./capacity/plan.ts";
import { formatDeploymentPlan, formatPlan } from "./capacity/report.ts";

const samples = join(import.meta.dir, "samples");
const ONE_NODE = "stress-1-node.json";
const THREE_NODES = "stress-3-nodes.json";

async function sample(name: string): Promise<unknown> {
  return Bun.file(join(samples, name)).json();
}

async function measurement(name: string): Promise<Measurement> {
  return parseSummary(name, await sample(name));
}

function stage(stageNumber: number, targetRps: number, passed: boolean) {
  return {
    stage: stageNumber,
    targetRps,
    achievedRps: targetRps,
    p95: 5,
    p99: 10,
    errorRate: 0,
    passed,
    failures: passed ? [] : ["evaluate p99 300 ms ≥ 250 ms"],
    writeShare: null,
  };
}

describe("parseSummary", () => {
  test("reads the toggle block of a k6 stress summary", async () => {
    const parsed = await measurement(ONE_NODE);

    expect(parsed).toMatchObject({ script: "stress", nodes: 1, podsEvaluation: 2 });
    expect(parsed.stages).toHaveLength(8);
    expect(parsed.stages[5]).toMatchObject({
      stage: 6,
      targetRps: 1200,
      achievedRps: 1198.6,
      passed: true,
    });
  });

  test("names the file and the field of a malformed stage", async () => {
    const json = await sample("malformed-stage.json");

    expect(() => parseSummary("malformed-stage.json", json)).toThrow(
      new SummaryError(
        'malformed-stage.json: toggle.stages[1].achievedRps must be a number ≥ 0 (got "799.5 rps")',
      ),
    );
  });

  test("explains a summary without the toggle block", async () => {
    const { toggle: _, ...k6Only } = (await sample(ONE_NODE)) as Record<string, unknown>;

    expect(() => parseSummary("plain.json", k6Only)).toThrow("plain.json: toggle is missing");
  });

  test("asks for NODES when the run did not record it", async () => {
    const json = (await sample(ONE_NODE)) as { toggle: Record<string, unknown> };
    json.toggle.nodes = null;

    expect(() => parseSummary("no-nodes.json", json)).toThrow("run the test with NODES=");
  });

  test("rejects an error rate outside 0..1", async () => {
    const json = (await sample(ONE_NODE)) as { toggle: { stages: Record<string, unknown>[] } };
    const first = json.toggle.stages[0];
    if (first) first.errorRate = 3;

    expect(() => parseSummary("rate.json", json)).toThrow(
      "toggle.stages[0].errorRate must be a number from 0 to 1 (got 3)",
    );
  });
});

describe("planCapacity", () => {
  test("three nodes are not enough for 20 000 rps with 30 % headroom", async () => {
    const measurements = [await measurement(ONE_NODE), await measurement(THREE_NODES)];

    const plan = planCapacity({ peakRps: 20_000, headroom: 0.3, maxNodes: 3, measurements });

    // The 3-node run sustained 2994.2 rps (998.07 per node), worse per node than the 1-node
    // run's 1198.6, so the plan rests on it: 26 000 / 998.07 = 26.05, rounded up.
    expect(plan.basis.measurement.source).toBe(THREE_NODES);
    expect(plan.basis.perNodeRps).toBeCloseTo(998.07, 2);
    expect(plan.requiredRps).toBeCloseTo(26_000, 6);
    expect(plan.nodesNeeded).toBe(27);
    expect(plan.raiseMax).toBe(true);
    expect(plan.perPodRps).toBeCloseTo(499.03, 2);
    expect(plan.podsNeeded).toBe(53);
    expect(plan.scaling?.efficiency).toBeCloseTo(998.07 / 1198.6, 4);
  });

  test("one node suffices for a small peak", async () => {
    const plan = planCapacity({
      peakRps: 500,
      headroom: 0.3,
      maxNodes: 3,
      measurements: [await measurement(ONE_NODE)],
    });

    expect(plan.nodesNeeded).toBe(1);
    expect(plan.raiseMax).toBe(false);
  });

  test("a need of exactly the maximum keeps the maximum", async () => {
    const plan = planCapacity({
      peakRps: 2_000,
      headroom: 0.3,
      maxNodes: 3,
      measurements: [await measurement(THREE_NODES)],
    });

    expect(plan.nodesNeeded).toBe(3);
    expect(plan.raiseMax).toBe(false);
  });

  test("a peak equal to the measured capacity needs no extra node", async () => {
    const plan = planCapacity({
      peakRps: 1_000,
      headroom: 0.3,
      maxNodes: 3,
      measurements: [
        {
          source: "m",
          script: "stress",
          nodes: 1,
          podsEvaluation: null,
          stages: [stage(1, 1_300, true)],
        },
      ],
    });

    expect(plan.nodesNeeded).toBe(1);
    expect(plan.podsNeeded).toBeNull();
  });

  test("ignores stages that pass after the first failure", () => {
    const plan = planCapacity({
      peakRps: 1_000,
      headroom: 0,
      maxNodes: 3,
      measurements: [
        {
          source: "flaky",
          script: "stress",
          nodes: 1,
          podsEvaluation: 1,
          stages: [stage(1, 200, true), stage(2, 400, false), stage(3, 600, true)],
        },
      ],
    });

    expect(plan.basis.sustained.stage).toBe(1);
    expect(plan.basis.firstFailure?.stage).toBe(2);
    expect(plan.nodesNeeded).toBe(5);
  });

  test("says what to do when no stage met the thresholds", () => {
    const measurements = [
      {
        source: "low.json",
        script: "stress",
        nodes: 1,
        podsEvaluation: 1,
        stages: [stage(1, 200, false)],
      },
    ];

    expect(() => planCapacity({ peakRps: 100, headroom: 0.3, maxNodes: 3, measurements })).toThrow(
      new CapacityError(
        "low.json: no stage met the thresholds (the first, at 200 rps, failed: evaluate p99 300 ms ≥ 250 ms); rerun with a lower START_RPS",
      ),
    );
  });

  test("rejects a negative headroom", async () => {
    const measurements = [await measurement(ONE_NODE)];

    expect(() => planCapacity({ peakRps: 100, headroom: -0.1, maxNodes: 3, measurements })).toThrow(
      CapacityError,
    );
  });
});

describe("formatPlan", () => {
  test("shows the arithmetic and the decision", async () => {
    const measurements = [await measurement(ONE_NODE), await measurement(THREE_NODES)];
    const text = formatPlan(
      planCapacity({ peakRps: 20_000, headroom: 0.3, maxNodes: 3, measurements }),
    );

    expect(text).toContain("Required rate: peak 20000 rps × (1 + 0.3 headroom) = 26000 rps");
    expect(text).toContain("Nodes needed: ceil(26000 / 998.1) = ceil(26.05) = 27");
    expect(text).toContain("RAISE the node group's max size to at least 27");
    expect(text).toContain("broke at: stage 7 (target 3500 rps): errors 1.40 % ≥ 1.00 %");
  });
});

describe("planDeployment", () => {
  const samplesPlan = async (peakHours: number): Promise<DeploymentPlan> =>
    planDeployment({
      capacity: planCapacity({
        peakRps: 20_000,
        headroom: 0.3,
        maxNodes: 3,
        measurements: [await measurement(ONE_NODE), await measurement(THREE_NODES)],
      }),
      peakHours,
      measuredOn: "t3.medium",
    });
  const limit = (plan: DeploymentPlan, name: string) => {
    const found = plan.limits.find((candidate) => candidate.name.startsWith(name));
    if (!found) throw new Error(`no limit ${name}`);
    return found.rps;
  };

  test("reads the write share from the routes of the sustained stage", async () => {
    const plan = await samplesPlan(2);
    // Stage 6 of the 3-node run: 3593 management requests of 179652.
    expect(plan.writeShare).toBeCloseTo(0.02, 3);
  });

  test("worked example: where three t3.medium nodes give out, first to last", async () => {
    const plan = await samplesPlan(2);
    expect(limit(plan, "node CPU")).toBeCloseTo(3 * 998.07, 0);
    expect(limit(plan, "evaluation autoscaler maximum")).toBeCloseTo(10 * 499.03, 0);
    // 3 × (17 − 3) = 42 slots − 6 platform − 12 other services − 5 surge = 19 evaluation pods.
    expect(limit(plan, "pods per node")).toBeCloseTo(19 * 499.03, 0);
    // The two nodes up before the peak hold 100 % for 2 h on a full bank; an added node has none.
    expect(limit(plan, "CPU credits")).toBeCloseTo(998.07 * (2 * 1 + 1 * 0.2), 0);
    expect(plan.firstLimit.name).toStartWith("CPU credits");
  });

  test("a long peak drains the credit bank: a 24 h peak holds 40 % on banked t3.medium nodes", async () => {
    const plan = await samplesPlan(24);
    // 20 % baseline + 576 banked credits ÷ (2 vCPUs × 60 min × 24 h) = 40 %.
    expect(limit(plan, "CPU credits")).toBeCloseTo(998.07 * (2 * 0.4 + 1 * 0.2), 0);
  });

  test("the single databases and Redis give out below 26000 rps: scale them before the nodes", async () => {
    const plan = await samplesPlan(2);
    // 100 writes/s per database ÷ (2 % of requests ÷ 2 databases) ≈ 10000 rps.
    expect(limit(plan, "database writes")).toBeCloseTo(
      BACKEND_ASSUMPTIONS.databaseWritesPerSecond / (plan.writeShare / 2),
      0,
    );
    expect(plan.backendShortfalls.map((shortfall) => shortfall.name)).toEqual([
      "database writes (one RDS gp2 volume each)",
      "Redis (one cache.t4g.micro)",
    ]);
  });

  test("the plan: the cheapest instance type, its node group max and the autoscaler maxima", async () => {
    const plan = await samplesPlan(2);
    expect(plan.evaluationPods).toBe(53);
    expect(plan.autoscalerMaxima.evaluation).toBe(53);
    expect(plan.recommended.type.name).toBe("c7g.large");
    expect(plan.recommended).toMatchObject({ nodes: 27, nodesForCpu: 27, binds: "node CPU" });
    const t3 = plan.candidates.find((candidate) => candidate.type.name === "t3.medium");
    // 27 nodes at 96 % CPU: $0.0416 plus surplus credits for the 25 nodes that start empty.
    expect(t3?.credits?.utilization).toBeCloseTo(26_000 / (27 * 998.07), 4);
    expect(t3?.usdPerHour).toBeGreaterThan(27 * 0.0416);
  });

  test("pods per node bind when pods are small and nodes fast", () => {
    const fastNodes: Measurement = {
      source: "fast",
      script: "stress",
      nodes: 1,
      podsEvaluation: 10,
      stages: [stage(1, 10_000, true)],
    };
    const plan = planDeployment({
      capacity: planCapacity({
        peakRps: 10_000,
        headroom: 0,
        maxNodes: 3,
        measurements: [fastNodes],
      }),
      peakHours: 1,
      measuredOn: "t3.medium",
      candidates: ["t3.medium"],
    });
    // 6 platform + 12 other services + 10 evaluation + 5 surge = 33 pods > 2 × 14 slots.
    expect(plan.recommended).toMatchObject({
      nodesForCpu: 1,
      nodesForPods: 3,
      nodes: 3,
      binds: "pods per node",
    });
  });

  test("the autoscaler maximum binds first when a pod serves little", () => {
    const slowPods: Measurement = {
      source: "slow",
      script: "stress",
      nodes: 1,
      podsEvaluation: 8,
      stages: [stage(1, 2_000, true)],
    };
    const plan = planDeployment({
      capacity: planCapacity({
        peakRps: 1_000,
        headroom: 0,
        maxNodes: 3,
        measurements: [slowPods],
      }),
      peakHours: 1,
      measuredOn: "c7g.large",
    });
    // 10 pods × 250 rps = 2500 rps, under 3 nodes × 2000 rps.
    expect(plan.firstLimit.name).toBe("evaluation autoscaler maximum");
  });

  test("needs the evaluation pods of a run", () => {
    const noPods: Measurement = {
      source: "m",
      script: "stress",
      nodes: 1,
      podsEvaluation: null,
      stages: [stage(1, 1_000, true)],
    };
    const capacity = planCapacity({
      peakRps: 100,
      headroom: 0,
      maxNodes: 3,
      measurements: [noPods],
    });
    expect(() => planDeployment({ capacity, peakHours: 1, measuredOn: "t3.medium" })).toThrow(
      "EVALUATION_PODS",
    );
  });

  test("prints the limits, the instance types and the plan with the commands to apply it", async () => {
    const text = formatDeploymentPlan(await samplesPlan(2));
    expect(text).toContain("Plan for 26000 rps over a 2 h peak");
    expect(text).toContain("← first");
    expect(text).toContain("Plan: c7g.large (arm64), node group max 27 (node CPU binds)");
    expect(text).toContain("bunx cdk deploy --all -c instanceType=c7g.large -c maxNodes=27");
    expect(text).toContain("evaluation replicas max 53");
    expect(text).toContain("Not enough by nodes alone");
  });
});

describe("capacity CLI", () => {
  const cli = join(import.meta.dir, "capacity.ts");
  const run = (...args: string[]) =>
    Bun.spawnSync([process.execPath, cli, ...args], { stdout: "pipe", stderr: "pipe" });

  test("prints the plan for the given summaries", () => {
    const result = run("--peak", "500", "--headroom", "0.3", join(samples, ONE_NODE));

    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toContain("Decision: 1 node ≤ node group max 3");
    expect(result.stdout.toString()).toMatch(/Plan: \S+ \((arm64|x86_64)\), node group max 2/);
  });

  test("plans with the instance types it is given, and refuses unknown ones", () => {
    const result = run("--peak", "500", "--instance", "t4g.medium", join(samples, ONE_NODE));
    expect(result.stdout.toString()).toContain("Plan: t4g.medium (arm64)");
    const unknown = run("--peak", "500", "--instance", "x9.huge", join(samples, ONE_NODE));
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr.toString()).toContain("unknown instance type 'x9.huge'");
  });

  test("exits 1 with the reason on a malformed summary", () => {
    const result = run("--peak", "500", join(samples, "malformed-stage.json"));

    expect(result.exitCode).toBe(1);
    expect(result.stderr.toString()).toContain("toggle.stages[1].achievedRps must be a number");
  });

  test("exits 2 with the usage when the peak is missing", () => {
    const result = run(join(samples, ONE_NODE));

    expect(result.exitCode).toBe(2);
    expect(result.stderr.toString()).toContain("usage: bun k6/capacity.ts --peak");
  });
});
