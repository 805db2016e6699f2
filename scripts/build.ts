/**
 * Compiles every service into one self-contained Linux executable per architecture:
 * `dist/<service>-linux-x64` and `dist/<service>-linux-arm64`: minified, precompiled to
 * bytecode laid out by the service's recorded profile (`bytecode.order`, see
 * scripts/record-order.ts), with the source map embedded so stack traces point at the
 * TypeScript sources.
 *
 *   bun scripts/build.ts                      all services, both architectures
 *   bun scripts/build.ts auth flag            some services
 *   bun scripts/build.ts auth --arch arm64    one architecture (the Dockerfile does this)
 *
 * Cross-compiling needs no emulator: Bun fetches the other architecture's runtime once from
 * the npm registry and appends the bundle to it.
 */
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { SERVICE_NAMES, type ServiceName } from "@togglemaster/shared/topology";

export const REPO_ROOT = join(import.meta.dir, "..");

export type { ServiceName };
export const SERVICES: readonly ServiceName[] = SERVICE_NAMES;

export const ARCHES = ["x64", "arm64"] as const;
export type Arch = (typeof ARCHES)[number];

export interface BuildTarget {
  service: ServiceName;
  arch: Arch;
}

export const isService = (name: string): name is ServiceName =>
  (SERVICES as readonly string[]).includes(name);

export const entryPoint = (service: ServiceName) => join(REPO_ROOT, "services", service, "main.ts");

export const binaryPath = (service: ServiceName, arch: Arch = "x64") =>
  join(REPO_ROOT, "dist", `${service}-linux-${arch}`);

/** Which functions a run of the service used, in order (written by scripts/record-order.ts). */
export const bytecodeOrderPath = (service: ServiceName) =>
  join(REPO_ROOT, "services", service, "bytecode.order");

/** An order file's entries (one function or module each), without its version line. */
export const bytecodeOrderEntries = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.includes(" "));

/**
 * The executables start with JIT tier-up thresholds this many times the normal ones: code that
 * runs once while a service starts stays in the interpreter instead of costing compiler time
 * and memory. services/shared/serve.ts restores the normal policy at the first real work.
 */
export const STARTUP_JIT_POLICY = 1000;

/** Reads `[service...] [--arch x64|arm64]`; no service means all of them. */
export function parseBuildArgs(args: string[]): BuildTarget[] {
  const services: ServiceName[] = [];
  let arches: readonly Arch[] = ARCHES;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (arg === "--arch" || arg.startsWith("--arch=")) {
      const value = arg === "--arch" ? args[++index] : arg.slice("--arch=".length);
      const arch = ARCHES.find((candidate) => candidate === value);
      if (arch === undefined)
        throw new Error(`--arch must be one of ${ARCHES.join(", ")}, got "${value ?? ""}"`);
      arches = [arch];
    } else if (isService(arg)) {
      services.push(arg);
    } else {
      throw new Error(`unknown service or option "${arg}"; services: ${SERVICES.join(", ")}`);
    }
  }
  const chosen = services.length > 0 ? [...new Set(services)] : SERVICES;
  return chosen.flatMap((service) => arches.map((arch) => ({ service, arch })));
}

export interface BuiltBinary extends BuildTarget {
  path: string;
  bytes: number;
  seconds: number;
}

const compiling = new Map<string, Promise<BuiltBinary>>();

/**
 * One `bun build --compile`, by the same Bun that runs this script. Callers asking for a
 * binary that is being compiled share that build instead of writing the same file twice.
 */
export function compile(target: BuildTarget): Promise<BuiltBinary> {
  const path = binaryPath(target.service, target.arch);
  const running = compiling.get(path);
  if (running !== undefined) return running;
  const build = compileTo(path, target).finally(() => compiling.delete(path));
  compiling.set(path, build);
  return build;
}

async function compileTo(path: string, { service, arch }: BuildTarget): Promise<BuiltBinary> {
  const entry = entryPoint(service);
  if (!existsSync(entry)) throw new Error(`${service}: ${entry} does not exist`);
  const order = bytecodeOrderPath(service);
  const { bytes, seconds } = await compileEntry(
    entry,
    path,
    arch,
    existsSync(order) ? order : undefined,
  );
  return { service, arch, path, bytes, seconds };
}

/**
 * `bun build --compile` of any entry file, with the flags the services ship with. `order` is a
 * file `BUN_BYTECODE_ORDER_OUT` wrote: the bytecode a run used goes together at the front, so
 * a start reads fewer pages of the executable. Without it the bytecode follows the source.
 */
export async function compileEntry(entry: string, path: string, arch: Arch, order?: string) {
  const started = performance.now();
  const build = Bun.spawn(
    [
      process.execPath,
      "build",
      entry,
      "--compile",
      `--target=bun-linux-${arch}`,
      "--minify",
      "--sourcemap",
      // Precompiled bytecode more than halves start-up (the bundle is not parsed at launch).
      "--bytecode",
      ...(order === undefined ? [] : [`--bytecode-order=${order}`]),
      `--compile-jit-policy=${STARTUP_JIT_POLICY}`,
      "--format=esm",
      // Configuration comes from the environment only, never from files in the working directory.
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      "--outfile",
      path,
    ],
    { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" },
  );
  const [code, stdout, stderr] = await Promise.all([
    build.exited,
    new Response(build.stdout).text(),
    new Response(build.stderr).text(),
  ]);
  if (code !== 0)
    throw new Error(
      `${relative(REPO_ROOT, entry)} (${arch}) failed to compile:\n${stderr || stdout}`,
    );
  // The map is embedded in the executable; the copy written beside it is redundant.
  rmSync(`${path}.map`, { force: true });
  return { bytes: statSync(path).size, seconds: (performance.now() - started) / 1000 };
}

/**
 * Compiles the targets, `concurrency` at a time. The first build of each architecture runs
 * before the others because it may download that architecture's runtime, and parallel
 * downloads of the same file would race.
 */
export async function buildBinaries(
  targets: BuildTarget[],
  concurrency = Math.max(1, navigator.hardwareConcurrency),
): Promise<BuiltBinary[]> {
  const firstOfEach = ARCHES.flatMap(
    (arch) => targets.find((target) => target.arch === arch) ?? [],
  );
  const built = await Promise.all(firstOfEach.map(compile));
  const queue = targets.filter((target) => !firstOfEach.includes(target));
  const worker = async () => {
    for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
      built.push(await compile(target));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return built;
}

/** Newest modification time of what goes into a binary (tests excluded). */
export function newestSourceTime(): number {
  // The console is bundled into flag-service's binary.
  const sources = [
    ...new Bun.Glob("services/**/*.{ts,sql,order}").scanSync({ cwd: REPO_ROOT }),
    ...new Bun.Glob("console/**/*.{ts,tsx,css,html}").scanSync({ cwd: REPO_ROOT }),
  ].filter((file) => !file.endsWith(".test.ts"));
  const inputs = [...sources, "package.json", "bun.lock", "bunfig.toml", "scripts/build.ts"];
  return Math.max(...inputs.map((file) => statSync(join(REPO_ROOT, file)).mtimeMs));
}

/** Targets whose binary is missing or older than the sources. */
export function staleTargets(targets: BuildTarget[]): BuildTarget[] {
  const sourcesChanged = newestSourceTime();
  return targets.filter(({ service, arch }) => {
    const path = binaryPath(service, arch);
    return !existsSync(path) || statSync(path).mtimeMs < sourcesChanged;
  });
}

/** Builds only what is stale, so tests and benchmarks can reuse a fresh `dist/`. */
export async function ensureBinaries(targets: BuildTarget[]): Promise<BuiltBinary[]> {
  return buildBinaries(staleTargets(targets));
}

export function formatSizes(built: BuiltBinary[]): string {
  const rows = [...built]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map(
      (binary) =>
        `${`${binary.service}-linux-${binary.arch}`.padEnd(24)} ${(binary.bytes / 1024 / 1024).toFixed(1).padStart(7)} MiB  ${binary.seconds.toFixed(1).padStart(5)} s`,
    );
  return [`${"binary".padEnd(24)} ${"size".padStart(11)}  ${"time".padStart(7)}`, ...rows].join(
    "\n",
  );
}

if (import.meta.main) {
  try {
    const targets = parseBuildArgs(process.argv.slice(2));
    const started = performance.now();
    const built = await buildBinaries(targets);
    console.log(formatSizes(built));
    console.log(
      `built ${built.length} binaries in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
