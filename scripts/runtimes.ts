/**
 * Starts a service the way it will run: from source on Bun, as the compiled x64 binary, or
 * from the same source on Deno. End-to-end tests pick the runtime with `TM_RUNTIME`.
 *
 *   const auth = await startService("auth", runtimeFromEnv(), { DATABASE_URL, MASTER_KEY, JWT_SECRET });
 *   await fetch(`${auth.url}/health`);
 *   await auth.stop(); // SIGTERM, resolves with the exit code
 */
import { binaryPath, ensureBinaries, entryPoint, REPO_ROOT, type ServiceName } from "./build.ts";

export const RUNTIMES = ["source", "binary", "deno"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/**
 * What Deno needs to run a service from source: the `node_modules` that `bun install` made
 * (nothing is downloaded), the network, the environment, and the OS release,
 * which the AWS SDK puts in its user agent. SQL migrations are text imports: stable in Deno
 * 2.9, behind `--unstable-raw-imports` in earlier 2.x releases (2.9 accepts the flag).
 */
export const DENO_RUN_FLAGS = [
  "--node-modules-dir=manual",
  "--unstable-raw-imports",
  "--allow-net",
  "--allow-env",
  "--allow-sys=osRelease",
];

/** The argv that starts `service`; paths are absolute, so any working directory will do. */
export function serviceCommand(service: ServiceName, runtime: Runtime): string[] {
  switch (runtime) {
    case "source":
      return [process.execPath, entryPoint(service)];
    case "binary":
      return [binaryPath(service, "x64")];
    case "deno":
      return ["deno", "run", ...DENO_RUN_FLAGS, entryPoint(service)];
  }
}

/** `TM_RUNTIME` (default "source"); anything else is a mistake worth stopping for. */
export function runtimeFromEnv(source: Record<string, string | undefined> = process.env): Runtime {
  const value = source.TM_RUNTIME ?? "source";
  const runtime = RUNTIMES.find((candidate) => candidate === value);
  if (runtime === undefined)
    throw new Error(`TM_RUNTIME must be one of ${RUNTIMES.join(", ")}, got "${value}"`);
  return runtime;
}

export interface RunningService {
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then waits for the exit and the last output; resolves with the exit code. */
  stop(): Promise<number>;
  /** SIGKILL: for crash tests, and for clean-up after a failed test. */
  kill(): void;
}

export interface StartOptions {
  /** Polled until it answers 200. */
  readyPath?: string;
  pollIntervalMs?: number;
  timeoutMs?: number;
  stopTimeoutMs?: number;
  /** Receives the output as it comes instead of keeping it (`output()` is then empty). */
  onOutput?: (chunk: string) => void;
}

/**
 * Starts `service` on a free port with `env` over the current environment and resolves once
 * it is ready. For "binary", a missing or stale x64 executable is compiled first, so a test
 * never runs yesterday's code.
 */
export async function startService(
  service: ServiceName,
  runtime: Runtime,
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<RunningService> {
  if (runtime === "binary") await ensureBinaries([{ service, arch: "x64" }]);
  return startCommand(serviceCommand(service, runtime), env, options);
}

/** Same as `startService` for any argv that starts a service honouring `PORT`. */
export async function startCommand(
  command: string[],
  env: Record<string, string> = {},
  {
    readyPath = "/health/ready",
    pollIntervalMs = 50,
    timeoutMs = 20_000,
    stopTimeoutMs = 10_000,
    onOutput,
  }: StartOptions = {},
): Promise<RunningService> {
  const port = env.PORT === undefined ? freePort() : Number(env.PORT);
  const child = Bun.spawn(command, {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env, PORT: String(port) },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const chunks: string[] = [];
  const sink = onOutput ?? ((chunk: string) => chunks.push(chunk));
  const drained = Promise.all([collect(child.stdout, sink), collect(child.stderr, sink)]);
  const output = () => chunks.join("");
  const url = `http://127.0.0.1:${port}`;
  const name = command.join(" ");

  const deadline = Date.now() + timeoutMs;
  while (!(await answers200(`${url}${readyPath}`))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await drained;
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await drained;
      throw new Error(`${name} was not ready at ${readyPath} within ${timeoutMs} ms:\n${output()}`);
    }
    await Bun.sleep(pollIntervalMs);
  }

  return {
    url,
    pid: child.pid,
    output,
    async stop() {
      let forced = false;
      const timer = setTimeout(() => {
        forced = true;
        child.kill("SIGKILL");
      }, stopTimeoutMs);
      child.kill("SIGTERM");
      const code = await child.exited;
      clearTimeout(timer);
      await drained;
      if (forced) throw new Error(`${name} ignored SIGTERM for ${stopTimeoutMs} ms`);
      return code;
    },
    kill: () => child.kill("SIGKILL"),
  };
}

async function collect(stream: ReadableStream<Uint8Array>, sink: (chunk: string) => void) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    sink(decoder.decode(read.value, { stream: true }));
  }
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}
