// Capacity planner: stress summaries in, a deployment plan out. Usage (`bun run capacity`):
//   bun k6/capacity.ts --peak 20000 [--headroom 0.3] [--peak-hours 1] [--max-nodes 3]
//     [--measured-on t3.medium] [--instance c7g.large --instance t3.medium …] summary.json [more.json…]
// Each summary is a stress run (k6 or the local runner) taken with NODES and EVALUATION_PODS set.

import { parseArgs } from "node:util";
import { DEFAULT_SETTINGS } from "../cdk/lib/settings.ts";
import {
  CapacityError,
  type Measurement,
  parseSummary,
  planCapacity,
  SummaryError,
} from "./capacity/model.ts";
import { planDeployment } from "./capacity/plan.ts";
import { formatDeploymentPlan, formatPlan } from "./capacity/report.ts";

const USAGE =
  "usage: bun k6/capacity.ts --peak <rps> [--headroom 0.3] [--peak-hours 1] [--max-nodes 3] [--measured-on t3.medium] [--instance <type>]… <summary.json>…";

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.peak === undefined || args.positionals.length === 0) {
    console.error(USAGE);
    return 2;
  }
  try {
    const measurements = await Promise.all(args.positionals.map(readMeasurement));
    const capacity = planCapacity({
      peakRps: numberOption("--peak", args.values.peak),
      headroom: numberOption("--headroom", args.values.headroom),
      maxNodes: numberOption("--max-nodes", args.values["max-nodes"]),
      measurements,
    });
    const deployment = planDeployment({
      capacity,
      peakHours: numberOption("--peak-hours", args.values["peak-hours"]),
      measuredOn: args.values["measured-on"],
      candidates: args.values.instance,
    });
    console.log(`${formatPlan(capacity)}\n\n${formatDeploymentPlan(deployment)}`);
    return 0;
  } catch (error) {
    if (error instanceof SummaryError || error instanceof CapacityError) {
      console.error(`capacity: ${error.message}`);
      return 1;
    }
    if (error instanceof Error && error.message.startsWith("unknown instance type")) {
      console.error(`capacity: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      peak: { type: "string" },
      headroom: { type: "string", default: "0.3" },
      "peak-hours": { type: "string", default: "1" },
      "max-nodes": { type: "string", default: String(DEFAULT_SETTINGS.maxNodes) },
      "measured-on": { type: "string", default: DEFAULT_SETTINGS.instanceType },
      instance: { type: "string", multiple: true },
    },
  });
}

function numberOption(name: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) {
    throw new CapacityError(`${name} must be a number (got "${raw}")`);
  }
  return value;
}

async function readMeasurement(path: string): Promise<Measurement> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new SummaryError(`${path}: no such file`);
  let json: unknown;
  try {
    json = JSON.parse(await file.text());
  } catch (error) {
    throw new SummaryError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseSummary(path, json);
}

process.exitCode = await main(Bun.argv.slice(2));
