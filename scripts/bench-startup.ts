/**
 * Start-up time and idle memory of each compiled service (x64 binaries in dist/, rebuilt when
 * stale), against the real PostgreSQL and Redis and the local SQS/DynamoDB emulators.
 *
 *   bun scripts/bench-startup.ts
 *
 * Start-up is the time from spawn to the first 200 from /health/ready (median of 5 runs, the
 * first with the binary out of the page cache); memory is read from /proc/<pid>/status after
 * the service has been idle for 2 s. auth, flag and targeting stay up after their turn because
 * evaluation is only ready when it can reach them. Each service's floor is measured the same
 * way in the same run: its libraries alone in an otherwise empty app (scripts/floors/),
 * compiled like the services, its bytecode laid out by the order a first start of it recorded.
 */
import { cpus } from "node:os";
import { join } from "node:path";
import type { ServiceName } from "@togglemaster/shared/topology";
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from "../test/support/testing.ts";
import { emulatorEnvironment, emulatorWiring, startAwsLocal } from "./aws-local.ts";
import { binaryPath, compileEntry, ensureBinaries, REPO_ROOT, SERVICES } from "./build.ts";
import { provideDatabases, startPlatform } from "./platform.ts";
import { type Memory, median, memoryOf } from "./process-stats.ts";
import { startCommand } from "./runtimes.ts";

const RUNS = 5;
const IDLE_MS = 2_000;
const TARGET_STARTUP_MS = 300;
const TARGET_RSS_MIB = 50;
const TARGET_ANON_MIB = 16;
const MASTER_KEY = "bench-master-key-0123456789";
const JWT_SECRET = "bench-jwt-secret-0123456789abcdef0123";

interface Measurement extends Memory {
  service: ServiceName;
  startupMs: number[];
  floor?: Memory;
}

/** The floor each service stands on: the libraries it loads, in scripts/floors/. */
const FLOORS = {
  auth: "data-service",
  flag: "data-service",
  targeting: "data-service",
  evaluation: "evaluation",
  analytics: "analytics",
} as const satisfies Record<ServiceName, string>;
type Floor = (typeof FLOORS)[ServiceName];

const floorBinary = (floor: Floor) => join(REPO_ROOT, "dist", "floors", `${floor}-linux-x64`);
const floorOrder = (floor: Floor) => `${floorBinary(floor)}.order`;
const compileFloor = (floor: Floor, order?: string) =>
  compileEntry(
    join(REPO_ROOT, "scripts", "floors", `${floor}.ts`),
    floorBinary(floor),
    "x64",
    order,
  );

/**
 * Writes the file out and drops it from the page cache. A binary just built or copied has
 * every page cached, and the kernel maps cached neighbours of each page a process touches
 * (fault-around): that would add up to 5 MiB of pages no code reads to the RSS, depending on
 * when the file was last written rather than on the binary.
 */
function dropFromPageCache(path: string) {
  for (const command of [
    ["sync", path],
    ["dd", `if=${path}`, "iflag=nocache", "count=0", "status=none"],
  ]) {
    const { exitCode, stderr } = Bun.spawnSync(command);
    if (exitCode !== 0) throw new Error(`${command.join(" ")}: ${stderr.toString()}`);
  }
}

async function timedStart(service: ServiceName, env: Record<string, string>) {
  const started = performance.now();
  const running = await startCommand([binaryPath(service, "x64")], env, { pollIntervalMs: 2 });
  return { ms: performance.now() - started, running };
}

/**
 * A floor started with its service's environment (on a port of its own), read after idling.
 * A first start records its bytecode order, as scripts/record-order.ts does for the services.
 */
async function measureFloor(floor: Floor, env: Record<string, string>): Promise<Memory> {
  const { PORT: _, ...rest } = env;
  await compileFloor(floor);
  const recording = { ...rest, BUN_BYTECODE_ORDER_OUT: floorOrder(floor) };
  await (await startCommand([floorBinary(floor)], recording, { pollIntervalMs: 2 })).stop();
  await compileFloor(floor, floorOrder(floor));
  dropFromPageCache(floorBinary(floor));
  const running = await startCommand([floorBinary(floor)], rest, { pollIntervalMs: 2 });
  await Bun.sleep(IDLE_MS);
  const memory = memoryOf(running.pid);
  await running.stop();
  return memory;
}

/**
 * Five timed starts, the first from an uncached binary, then one more left idle to read its
 * memory; that one keeps running.
 */
async function measure(service: ServiceName, env: Record<string, string>) {
  dropFromPageCache(binaryPath(service, "x64"));
  const startupMs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const { ms, running } = await timedStart(service, env);
    startupMs.push(ms);
    await running.stop();
  }
  const { running } = await timedStart(service, env);
  await Bun.sleep(IDLE_MS);
  const measurement: Measurement = { service, startupMs, ...memoryOf(running.pid) };
  console.log(`${service}: ${startupMs.map((ms) => ms.toFixed(0)).join(", ")} ms`);
  return { measurement, running };
}

function formatTable(measurements: Measurement[]): string {
  const columns = [
    "service",
    "median",
    "min",
    "max",
    "idle RSS",
    "anon",
    "file",
    "floor RSS",
    "floor anon",
    "verdict",
  ];
  const mib = (value: number | undefined) =>
    value === undefined ? "-" : `${value.toFixed(1)} MiB`;
  const rows = measurements.map(({ service, startupMs, rssMiB, anonymousMiB, fileMiB, floor }) => {
    const middle = median(startupMs);
    return [
      service,
      `${middle.toFixed(0)} ms`,
      `${Math.min(...startupMs).toFixed(0)} ms`,
      `${Math.max(...startupMs).toFixed(0)} ms`,
      mib(rssMiB),
      mib(anonymousMiB),
      mib(fileMiB),
      mib(floor?.rssMiB),
      mib(floor?.anonymousMiB),
      [
        middle < TARGET_STARTUP_MS ? "start ok" : "start SLOW",
        rssMiB <= TARGET_RSS_MIB && anonymousMiB <= TARGET_ANON_MIB ? "memory ok" : "memory HIGH",
      ].join(", "),
    ];
  });
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...rows.map((row) => row[index]?.length ?? 0)),
  );
  return [columns, ...rows]
    .map((row) =>
      row
        .map((cell, index) => cell.padEnd(widths[index] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function main() {
  await ensureBinaries(SERVICES.map((service) => ({ service, arch: "x64" as const })));
  const aws = await startAwsLocal();
  const databases: TestDatabase[] = [];
  const urls = await provideDatabases(async (service) => {
    const created = await createTestDatabase(`bench_${service}`);
    databases.push(created);
    return created.url;
  });
  const measurements: Measurement[] = [];
  const environments = new Map<ServiceName, Record<string, string>>();
  try {
    // Each service is measured, then left running: the next ones need it to be ready.
    const platform = await startPlatform({
      runtime: "binary",
      backends: {
        databases: urls,
        redisUrl: TEST_REDIS_URL,
        aws: { ...emulatorWiring(aws), env: emulatorEnvironment(aws) },
      },
      secrets: { masterKey: MASTER_KEY, jwtSecret: JWT_SECRET },
      start: async (service, env) => {
        environments.set(service, env);
        const { measurement, running } = await measure(service, env);
        measurements.push(measurement);
        return running;
      },
    });
    const floors = new Map<Floor, Memory>();
    for (const measurement of measurements) {
      const floor = FLOORS[measurement.service];
      const env = environments.get(measurement.service) ?? {};
      if (!floors.has(floor)) floors.set(floor, await measureFloor(floor, env));
      measurement.floor = floors.get(floor);
    }
    await platform.stop();
  } finally {
    await Promise.all(databases.map((created) => created.drop()));
    await aws.stop();
  }

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `\n${cpus().length} × ${cpu}; ${RUNS} starts each; memory after ${IDLE_MS / 1000} s idle`,
  );
  console.log(
    `targets: start-up < ${TARGET_STARTUP_MS} ms, idle RSS <= ${TARGET_RSS_MIB} MiB, private <= ${TARGET_ANON_MIB} MiB\n`,
  );
  console.log(formatTable(measurements));
  console.log("\nfloor: the service's libraries alone in an otherwise empty app (scripts/floors/)");
}

await main();
