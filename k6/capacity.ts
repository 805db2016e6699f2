// Node-count planner. Usage:
//   bun k6/capacity.ts --peak 20000 [--headroom 0.3] [--max-nodes 3] summary.json [more.json…]
// Each summary is a stress run (k6 or the local runner) taken with NODES and EVALUATION_PODS set.

import { parseArgs } from "node:util";
import {
  CapacityError,
  type Measurement,
  parseSummary,
  planCapacity,
  SummaryError,
} from "./capacity/model.ts";
import { formatPlan } from "./capacity/report.ts";

const USAGE =
  "usage: bun k6/capacity.ts --peak <rps> [--headroom 0.3] [--max-nodes 3] <summary.json>…";

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
    const plan = planCapacity({
      peakRps: numberOption("--peak", args.values.peak),
      headroom: numberOption("--headroom", args.values.headroom),
      maxNodes: numberOption("--max-nodes", args.values["max-nodes"]),
      measurements,
    });
    console.log(formatPlan(plan));
    return 0;
  } catch (error) {
    if (error instanceof SummaryError || error instanceof CapacityError) {
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
      "max-nodes": { type: "string", default: "3" },
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
