/**
 * `bun run bench:evaluate`: cache-warm `/evaluate` throughput and latency on one core,
 * next to a bare `Bun.serve` returning constant JSON measured the same way in the same run.
 *
 * The server under test is pinned to one core and wrk to the other, so the numbers say
 * what one core of this machine serves. Needs wrk (Debian package `wrk`), PostgreSQL and
 * Redis at 127.0.0.1, like the tests.
 */
import { startStack } from "../services/e2e/stack.ts";
import { freePort, startCommand } from "./runtimes.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
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

/** CPU seconds a process has used so far (user + system), from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await Bun.file(`/proc/${pid}/stat`).text()).split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function wrk(url: string): Promise<WrkResult> {
  const run = Bun.spawn(
    [
      "taskset",
      "-c",
      LOAD_CORE,
      "wrk",
      "-t1",
      `-c${CONNECTIONS}`,
      `-d${SECONDS}s`,
      "--latency",
      url,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const output = await new Response(run.stdout).text();
  if ((await run.exited) !== 0)
    throw new Error(`wrk failed: ${await new Response(run.stderr).text()}`);
  return parseWrk(output);
}

/** Pins a running process and all its threads to the server core. */
async function pin(pid: number) {
  const run = Bun.spawn(["taskset", "-a", "-p", "-c", SERVER_CORE, String(pid)], {
    stdout: "ignore",
  });
  if ((await run.exited) !== 0) throw new Error(`could not pin pid ${pid}`);
}

const BARE_SERVER = `Bun.serve({ port: Number(process.env.PORT), fetch: () => Response.json({ flag_name: "f", user_id: "u", result: true }) });`;

async function main() {
  if (Bun.which("wrk") === null) throw new Error("wrk is not installed (apt-get install wrk)");
  // BENCH_EVENTS=off measures evaluation without sending its events to SQS;
  // BENCH_LOG_LEVEL=warn without its access log.
  const events = process.env.BENCH_EVENTS !== "off";
  const logLevel = process.env.BENCH_LOG_LEVEL ?? "info";
  const stack = await startStack({
    services: ["auth", "flag", "targeting", "evaluation"],
    extraEnv: { evaluation: { LOG_LEVEL: logLevel, ...(events ? {} : { AWS_SQS_URL: "" }) } },
  });
  try {
    const { key } = await stack.createKey("bench");
    const headers = { authorization: `Bearer ${key}` };
    await fetch(`${stack.url("flag")}/flags`, {
      method: "POST",
      headers,
      body: '{"name":"bench-flag","is_enabled":true}',
    });
    await fetch(`${stack.url("targeting")}/rules`, {
      method: "POST",
      headers,
      body: '{"flag_name":"bench-flag","rules":{"type":"PERCENTAGE","value":50}}',
    });
    const evaluateUrl = `${stack.url("evaluation")}/evaluate?user_id=user-123&flag_name=bench-flag`;
    const warm = await (await fetch(evaluateUrl)).json();
    if (typeof warm.result !== "boolean")
      throw new Error(`unexpected answer ${JSON.stringify(warm)}`);

    const bare = await startCommand(
      [process.execPath, "-e", BARE_SERVER],
      { PORT: String(freePort()) },
      { readyPath: "/" },
    );
    await pin(bare.pid);
    const evaluation = stack.service("evaluation");
    if (evaluation === undefined) throw new Error("evaluation is not running");
    await pin(evaluation.pid);

    const baseline = await wrk(bare.url);
    const cpuBefore = await cpuSeconds(evaluation.pid);
    const evaluate = await wrk(evaluateUrl);
    const cpuPerRequest =
      ((await cpuSeconds(evaluation.pid)) - cpuBefore) / (evaluate.requestsPerSecond * SECONDS);
    await bare.stop();

    const row = (name: string, result: WrkResult) =>
      `${name.padEnd(28)} ${result.requestsPerSecond.toFixed(0).padStart(9)} ${result.p50.toFixed(2).padStart(8)} ${result.p90.toFixed(2).padStart(8)} ${result.p99.toFixed(2).padStart(8)} ${String(result.errors).padStart(7)}`;
    console.log(
      `\n${SECONDS} s per run, ${CONNECTIONS} connections, server on core ${SERVER_CORE}, wrk on core ${LOAD_CORE} (runtime: ${stack.runtime}, events ${events ? "sent to SQS" : "off"}, log level ${logLevel})`,
    );
    console.log(
      `${"server".padEnd(28)} ${"req/s".padStart(9)} ${"p50 ms".padStart(8)} ${"p90 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"errors".padStart(7)}`,
    );
    console.log(row("bare Bun.serve (constant)", baseline));
    console.log(row("GET /evaluate (cache warm)", evaluate));
    const share = (evaluate.requestsPerSecond / baseline.requestsPerSecond) * 100;
    console.log(`\n/evaluate serves ${share.toFixed(0)} % of the bare server's throughput.`);
    console.log(
      `evaluation used ${(cpuPerRequest * 1e6).toFixed(1)} µs of CPU per request: ${(1 / cpuPerRequest).toFixed(0)} requests per CPU-second.`,
    );
  } finally {
    await stack.stop();
  }
}

await main();
