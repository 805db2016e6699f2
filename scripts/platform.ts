/**
 * The five services as processes, started in dependency order, each with the environment
 * the topology gives it: what `bun dev`, the end-to-end stack and the benchmarks share.
 *
 *   const platform = await startPlatform({ runtime: "source", backends, secrets });
 *   await fetch(`${platform.url("flag")}/flags`, …);
 *   await platform.stop();
 */
import {
  DATABASE_SERVICES,
  type DatabaseService,
  environmentOf,
  SERVICE_NAMES,
  type ServiceName,
  type SharedSecret,
  TOPOLOGY,
  type WiringResolver,
} from "@togglemaster/shared/topology";
import { type RunningService, type Runtime, type StartOptions, startService } from "./runtimes.ts";

/** Where the services' backends are. */
export interface Backends {
  databases: Record<DatabaseService, string>;
  /** Without it the services run without change notices or a shared cache. */
  redisUrl?: string;
  /** Queue, tables and region (see `emulatorWiring`) and any extra AWS variables. */
  aws: Pick<WiringResolver, "queue" | "table" | "region"> & { env?: Record<string, string> };
}

export interface PlatformOptions {
  runtime: Runtime;
  backends: Backends;
  /** The master key and JWT secret; evaluation's service key is created at start. */
  secrets: Record<Exclude<SharedSecret, "serviceApiKey">, string>;
  services?: readonly ServiceName[];
  /** Fixed ports (`bun dev`); free ones otherwise. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Variables every service gets (e.g. `LOG_LEVEL`). */
  commonEnv?: Record<string, string>;
  extraEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  startOptions?: (service: ServiceName) => StartOptions;
  /** How a service process is started; `startService` by default (benchmarks time it). */
  start?: (
    service: ServiceName,
    env: Record<string, string>,
    options: StartOptions,
  ) => Promise<RunningService>;
}

/** Each service database's URL, the databases provided side by side. */
export async function provideDatabases(
  provide: (service: DatabaseService) => Promise<string>,
): Promise<Record<DatabaseService, string>> {
  const urls = await Promise.all(DATABASE_SERVICES.map(provide));
  return Object.fromEntries(
    DATABASE_SERVICES.map((service, index) => [service, urls[index]]),
  ) as Record<DatabaseService, string>;
}

/** Start order: each service after the services it calls. */
export function startOrder(services: readonly ServiceName[]): ServiceName[][] {
  const level = (service: ServiceName): number =>
    Math.max(-1, ...TOPOLOGY[service].peers.map(level)) + 1;
  const levels: ServiceName[][] = [];
  for (const service of services) {
    const group = levels[level(service)] ?? [];
    group.push(service);
    levels[level(service)] = group;
  }
  return levels.filter((group) => group.length > 0);
}

export async function startPlatform({
  runtime,
  backends,
  secrets,
  services = SERVICE_NAMES,
  ports = {},
  commonEnv = {},
  extraEnv = {},
  startOptions = () => ({}),
  start = (service, env, options) => startService(service, runtime, env, options),
}: PlatformOptions) {
  const running = new Map<ServiceName, RunningService>();
  const finishedOutput: string[] = [];
  const issuedKeys: string[] = [];
  const knownPorts: Partial<Record<ServiceName, number>> = { ...ports };
  let serviceApiKey = "";

  const url = (service: ServiceName) =>
    running.get(service)?.url ?? `http://127.0.0.1:${knownPorts[service] ?? 1}`;

  const resolver: WiringResolver = {
    peer: url,
    database: (service) => backends.databases[service],
    secret: (name) => (name === "serviceApiKey" ? serviceApiKey : secrets[name]),
    redis: () => backends.redisUrl,
    ...backends.aws,
  };

  const environment = (service: ServiceName): Record<string, string> => ({
    ...commonEnv,
    ...environmentOf(service, resolver),
    ...(TOPOLOGY[service].aws ? backends.aws.env : {}),
    ...extraEnv[service],
    ...(knownPorts[service] !== undefined && { PORT: String(knownPorts[service]) }),
  });

  const launch = async (service: ServiceName) => {
    const started = await start(service, environment(service), startOptions(service));
    running.set(service, started);
    knownPorts[service] = Number(new URL(started.url).port);
    return started;
  };

  async function createKey(name: string): Promise<{ id: number; key: string }> {
    const response = await fetch(`${url("auth")}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${secrets.masterKey}` },
      body: JSON.stringify({ name }),
      signal: AbortSignal.timeout(5_000),
    });
    if (response.status !== 201) throw new Error(`creating a key answered ${response.status}`);
    const created = await response.json();
    issuedKeys.push(created.key);
    return created;
  }

  const needsServiceKey = (group: ServiceName[]) =>
    group.some((service) =>
      Object.values(TOPOLOGY[service].env).some(
        (wiring) => wiring.from === "secret" && wiring.secret === "serviceApiKey",
      ),
    );

  const stopAll = () =>
    Promise.all([...running.values()].map((service) => service.stop().catch(() => {})));

  try {
    for (const group of startOrder(services)) {
      if (serviceApiKey === "" && needsServiceKey(group))
        serviceApiKey = (await createKey("evaluation-service")).key;
      await Promise.all(group.map(launch));
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  return {
    runtime,
    url,
    createKey,
    service: (name: ServiceName) => running.get(name),
    /** Everything every service has written so far. */
    logs: () =>
      [...finishedOutput, ...[...running.values()].map((service) => service.output())].join("\n"),
    /** Every secret the run used: none may appear in a log. */
    secrets: () => [...Object.values(secrets), serviceApiKey, ...issuedKeys],
    /** Stops one service (SIGTERM) so a test can watch the others cope. */
    async stopService(name: ServiceName) {
      await running.get(name)?.stop();
      finishedOutput.push(running.get(name)?.output() ?? "");
      running.delete(name);
    },
    /** Kills one service (SIGKILL, no graceful shutdown) and waits until it is gone. */
    async killService(name: ServiceName) {
      const victim = running.get(name);
      if (victim === undefined) return;
      victim.kill();
      // `stop` waits for the exit; it reports the SIGKILL as an error, which is the point here.
      await victim.stop().catch(() => {});
      finishedOutput.push(victim.output());
      running.delete(name);
    },
    /** Starts a stopped service again, on its old port. */
    restartService: launch,
    stop: stopAll,
  };
}

export type Platform = Awaited<ReturnType<typeof startPlatform>>;
