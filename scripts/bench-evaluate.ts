/**
 * `bun run bench:evaluate`: throughput, latency and server CPU per request on one core, for
 * a bare `Bun.serve` returning constant JSON (measured first, in the same run, as the
 * yardstick), Elysia with one route (the framework's floor), `GET /evaluate` as shipped
 * (events to SQS, `info` logs) for a PERCENTAGE flag, a five-condition flagd rule, a
 * fractional split and the PERCENTAGE flag for 100,000 distinct users (distinct-users.lua),
 * the same with events and logs off (the cost breakdown), and the management reads
 * `GET /flags/:name` and `GET /rules/:name` with an API key on real PostgreSQL.
 *
 * The server under test is pinned to one core and wrk to the other, so the numbers say what
 * one core of this machine serves. Every server is started first, then measured in turn, for
 * BENCH_ROUNDS rounds (default 3), each run right after a run of the bare server: a row's
 * "× bare" figures compare it with that run, because a shared machine's speed drifts within a
 * round. Each figure is the median of its rounds, so a spell of noise moves one round of a
 * row, not the whole row. Needs wrk (Debian package `wrk`), PostgreSQL and Redis at
 * 127.0.0.1, like the tests. BENCH_SECONDS (default 10) sets each run's length.
 */
import type { ServiceName } from "@togglemaster/shared/topology";
import { type Stack, startStack } from "../test/support/stack.ts";
import { cpuSeconds, median } from "./process-stats.ts";
import { type RunningService, startCommand } from "./runtimes.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SERVER_CORE = process.env.BENCH_SERVER_CORE ?? "1";
const LOAD_CORE = process.env.BENCH_LOAD_CORE ?? "0";

interface WrkResult {
  requestsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
}

const MS_PER_UNIT: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

function parseWrk(output: string): WrkResult {
  const latency = (percent: string) => {
    const [, value, unit = ""] = new RegExp(`${percent}%\\s+([\\d.]+)(us|ms|s)`).exec(output) ?? [];
    return Number(value) * (MS_PER_UNIT[unit] ?? Number.NaN);
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? "0";
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN),
    p50: latency("50"),
    p90: latency("90"),
    p99: latency("99"),
    errors:
      Number(errors) +
      (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
  };
}

/** What wrk sends: one URL, or the requests a wrk script builds from it. */
interface Load {
  url: string;
  headers?: Record<string, string>;
  /** A wrk Lua script and its arguments. */
  script?: { path: string; args: string[] };
}

async function wrk({ url, headers = {}, script }: Load, seconds = SECONDS): Promise<WrkResult> {
  const run = Bun.spawn(
    [
      "taskset",
      "-c",
      LOAD_CORE,
      "wrk",
      "-t1",
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      "--latency",
      ...Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
      ...(script ? ["-s", script.path, url, "--", ...script.args] : [url]),
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const output = await new Response(run.stdout).text();
  if ((await run.exited) !== 0)
    throw new Error(`wrk failed: ${await new Response(run.stderr).text()}`);
  return parseWrk(output);
}

/** Pins a running process and all its threads to a core (the server's by default). */
async function pin(pid: number, core = SERVER_CORE) {
  const run = Bun.spawn(["taskset", "-a", "-p", "-c", core, String(pid)], {
    stdout: "ignore",
  });
  if ((await run.exited) !== 0) throw new Error(`could not pin pid ${pid}`);
}

interface Measured extends WrkResult {
  name: string;
  /** Server CPU per request, in µs. */
  cpuMicros: number;
}

/** A server to measure and the requests to send it. */
interface Target extends Load {
  name: string;
  server: RunningService;
}

/** One wrk run against a pinned process, with the CPU the process spent per request. */
async function measure(target: Target, warmUpSeconds: number): Promise<Measured> {
  const { name, server, url, headers } = target;
  await pin(server.pid);
  const warm = await fetch(url, { headers });
  if (warm.status !== 200) throw new Error(`${name}: ${url} answered ${warm.status}`);
  await warm.arrayBuffer();
  // Unmeasured: the JIT compiles the hot path, caches and connections fill.
  await wrk(target, warmUpSeconds);
  const before = await cpuSeconds(server.pid);
  const result = await wrk(target);
  const spent = (await cpuSeconds(server.pid)) - before;
  return { name, ...result, cpuMicros: (spent / (result.requestsPerSecond * SECONDS)) * 1e6 };
}

/** A run of a server, and the run of the bare server just before it. */
interface Paired {
  run: Measured;
  bare: Measured;
}

/** A row of the table: each figure the median over its rounds. */
interface Row extends Measured {
  /** Requests per second over the bare server's, and CPU per request over its. */
  speedRatio: number;
  cpuRatio: number;
  /**
   * p99 over p50, the shape of the tail. A row with the bare server's shape has no stalls of
   * its own: its p99 is its median (set by throughput, with every connection in flight)
   * scaled as this machine queues.
   */
  tailRatio: number;
}

function medianRow(pairs: Paired[]): Row {
  const runs = pairs.map(({ run }) => run);
  const of = (field: keyof WrkResult | "cpuMicros") => median(runs.map((run) => run[field]));
  return {
    name: runs[0]?.name ?? "",
    requestsPerSecond: of("requestsPerSecond"),
    p50: of("p50"),
    p90: of("p90"),
    p99: of("p99"),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    cpuMicros: of("cpuMicros"),
    speedRatio: median(
      pairs.map(({ run, bare }) => run.requestsPerSecond / bare.requestsPerSecond),
    ),
    cpuRatio: median(pairs.map(({ run, bare }) => run.cpuMicros / bare.cpuMicros)),
    tailRatio: median(runs.map((run) => run.p99 / run.p50)),
  };
}

const CONSTANT = `{ flag_name: "f", user_id: "u", result: true }`;
const BARE_SERVER = `Bun.serve({ port: Number(process.env.PORT), fetch: () => Response.json(${CONSTANT}) });`;
/**
 * The framework's own floor: Elysia with one route and nothing else, so a run shows how much
 * of the gap to the bare server any Elysia service pays before the first line of its own.
 */
const ELYSIA_SERVER = `const { Elysia } = await import("elysia"); new Elysia().get("/", () => (${CONSTANT})).listen(Number(process.env.PORT));`;

/** Five conditions over what `/evaluate` knows, all evaluated for the benchmark's user. */
const FIVE_CONDITIONS = {
  if: [
    {
      and: [
        { starts_with: [{ var: "targetingKey" }, "user-"] },
        { "!=": [{ var: "targetingKey" }, "user-0"] },
        { in: [{ var: "$flagd.flagKey" }, ["bench-rule", "bench-other"]] },
        { "<": [{ var: "$flagd.timestamp" }, 99_999_999_999] },
        { ends_with: [{ var: "targetingKey" }, "3"] },
      ],
    },
    "on",
    "off",
  ],
};

const SPLIT = {
  fractional: [
    ["a", 25],
    ["b", 25],
    ["c", 25],
    ["d", 25],
  ],
};

/** The benchmark's flags, created through the management API. */
async function createFlags(stack: Stack, key: string) {
  const headers = { authorization: `Bearer ${key}` };
  const post = async (service: ServiceName, path: string, body: unknown) => {
    const response = await fetch(`${stack.url(service)}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    if (response.status !== 201)
      throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  };
  await post("flag", "/flags", { name: "bench-flag", is_enabled: true });
  await post("targeting", "/rules", {
    flag_name: "bench-flag",
    rules: { type: "PERCENTAGE", value: 50 },
  });
  await post("flag", "/flags", {
    name: "bench-rule",
    is_enabled: true,
    variants: { on: true, off: false },
    default_variant: "off",
  });
  await post("targeting", "/rules", {
    flag_name: "bench-rule",
    rules: { type: "JSONLOGIC", targeting: FIVE_CONDITIONS },
  });
  await post("flag", "/flags", {
    name: "bench-split",
    is_enabled: true,
    variants: { a: "A", b: "B", c: "C", d: "D" },
    default_variant: "a",
  });
  await post("targeting", "/rules", {
    flag_name: "bench-split",
    rules: { type: "JSONLOGIC", targeting: SPLIT },
  });
}

const DISTINCT_USERS = `${import.meta.dir}/distinct-users.lua`;

const evaluateUrl = (stack: Stack, flag: string) =>
  `${stack.url("evaluation")}/evaluate?user_id=user-123&flag_name=${flag}`;

function table(rows: Row[]) {
  const header = [
    "server".padEnd(52),
    "req/s".padStart(8),
    "× bare".padStart(7),
    "p50 ms".padStart(7),
    "p99 ms".padStart(7),
    "p99÷p50".padStart(7),
    "CPU µs".padStart(7),
    "× bare".padStart(7),
    "errors".padStart(6),
  ].join(" ");
  const line = (row: Row) =>
    [
      row.name.padEnd(52),
      row.requestsPerSecond.toFixed(0).padStart(8),
      row.speedRatio.toFixed(2).padStart(7),
      row.p50.toFixed(2).padStart(7),
      row.p99.toFixed(2).padStart(7),
      row.tailRatio.toFixed(1).padStart(7),
      row.cpuMicros.toFixed(1).padStart(7),
      row.cpuRatio.toFixed(2).padStart(7),
      String(row.errors).padStart(6),
    ].join(" ");
  return [header, ...rows.map(line)].join("\n");
}

async function main() {
  if (Bun.which("wrk") === null) throw new Error("wrk is not installed (apt-get install wrk)");
  // This process hosts the SQS and DynamoDB emulators: keep them off the server's core.
  await pin(process.pid, LOAD_CORE);
  const stacks: Stack[] = [];
  const servers: RunningService[] = [];
  /** A server given as one line of code, answering at `/`. */
  const startInline = async (name: string, code: string): Promise<Target> => {
    const server = await startCommand([process.execPath, "-e", code], {}, { readyPath: "/" });
    servers.push(server);
    return { name, server, url: server.url };
  };
  try {
    // The yardstick, measured right before every other run.
    const bare = await startInline("bare Bun.serve, constant JSON", BARE_SERVER);
    const targets = [await startInline("Elysia, one route, constant JSON", ELYSIA_SERVER)];
    const shipped = await startStack({
      services: ["auth", "flag", "targeting", "evaluation"],
      // The stack ships counts every second for tests; empty is the service's own default.
      extraEnv: { evaluation: { EVENT_COUNTS_INTERVAL_MS: "" } },
    });
    stacks.push(shipped);
    const { key } = await shipped.createKey("bench");
    await createFlags(shipped, key);
    const evaluation = shipped.service("evaluation") as RunningService;
    for (const [name, flag] of [
      ["/evaluate as shipped, PERCENTAGE flag", "bench-flag"],
      ["/evaluate as shipped, five-condition rule", "bench-rule"],
      ["/evaluate as shipped, fractional split", "bench-split"],
    ] as const)
      targets.push({ name, server: evaluation, url: evaluateUrl(shipped, flag) });
    // The rows above send one user, whose events compress far better than real traffic's.
    targets.push({
      name: "/evaluate as shipped, PERCENTAGE flag, 100k users",
      server: evaluation,
      url: evaluateUrl(shipped, "bench-flag"),
      script: { path: DISTINCT_USERS, args: ["bench-flag"] },
    });
    const headers = { authorization: `Bearer ${key}` };
    targets.push(
      {
        name: "GET /flags/:name, API key",
        server: shipped.service("flag") as RunningService,
        url: `${shipped.url("flag")}/flags/bench-flag`,
        headers,
      },
      {
        name: "GET /rules/:flag_name, API key",
        server: shipped.service("targeting") as RunningService,
        url: `${shipped.url("targeting")}/rules/bench-flag`,
        headers,
      },
    );

    // The breakdown: what events and the access log cost on top of HTTP and the decision.
    for (const [name, env] of [
      ["/evaluate, events off", { AWS_SQS_URL: "" }],
      ["/evaluate, events off, logs at warn", { AWS_SQS_URL: "", LOG_LEVEL: "warn" }],
    ] as const) {
      const stack = await startStack({
        services: ["auth", "flag", "targeting", "evaluation"],
        extraEnv: { evaluation: env },
      });
      stacks.push(stack);
      await createFlags(stack, (await stack.createKey("bench")).key);
      targets.push({
        name: `${name}, PERCENTAGE flag`,
        server: stack.service("evaluation") as RunningService,
        url: evaluateUrl(stack, "bench-flag"),
      });
    }

    const describe = (run: Measured) =>
      `${run.requestsPerSecond.toFixed(0)} req/s, p99 ${run.p99.toFixed(2)} ms, ${run.cpuMicros.toFixed(1)} µs CPU`;
    const bareRuns: Paired[] = [];
    const pairs = new Map<string, Paired[]>(targets.map((target) => [target.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of targets) {
        const warmUpSeconds = round === 1 ? 3 : 1;
        const bareRun = await measure(bare, warmUpSeconds);
        const run = await measure(target, warmUpSeconds);
        bareRuns.push({ run: bareRun, bare: bareRun });
        pairs.get(target.name)?.push({ run, bare: bareRun });
        console.log(
          `round ${round}/${ROUNDS} ${target.name}: ${describe(run)} (bare just before: ${describe(bareRun)})`,
        );
      }
    }
    const rows = [bareRuns, ...targets.map((target) => pairs.get(target.name) ?? [])].map(
      medianRow,
    );
    console.log(
      `\nmedians of ${ROUNDS} rounds; ${SECONDS} s per run, ${CONNECTIONS} connections, server on core ${SERVER_CORE}, wrk on core ${LOAD_CORE}; CPU µs is the server's CPU time per request; "× bare" compares each run with the bare server's run just before it\n`,
    );
    console.log(table(rows));
  } finally {
    for (const server of servers) await server.stop();
    for (const stack of stacks) await stack.stop();
  }
}

await main();
