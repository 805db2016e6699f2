/**
 * The platform under test with every backend a fault test breaks run by the test itself:
 * its own Redis, the AWS emulators in processes of their own and, when asked, its own
 * PostgreSQL cluster. A few flags are created and warmed; `underLoad` runs a fault while
 * the load generator evaluates them, and `settle` accounts for every evaluation event.
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { CHANGE_CHANNEL, type ChangeNotice } from "@togglemaster/shared/changes";
import type { ServiceName } from "../../../scripts/build.ts";
import { startStack } from "../../support/stack.ts";
import { startSeparateEmulators } from "./aws.ts";
import { type EventTally, metricValue, settleEvents } from "./events.ts";
import { type Load, type LoadCounts, startLoad } from "./load.ts";
import { createPostgresCluster } from "./postgres.ts";
import { startRedisServer } from "./redis.ts";
import { Cleanup, eventually } from "./support.ts";

/** How long each outage lasts: `FAULT_OUTAGE_SECONDS`, 10 by default. */
export const OUTAGE_MS = outageSeconds(process.env.FAULT_OUTAGE_SECONDS) * 1_000;
/** Load before the fault and after the recovery. */
const STEADY_MS = 2_000;

/** One flag per kind of decision, so every branch of the evaluation is under load. */
export const FLAGS = {
  percentage: "fault-percentage",
  userList: "fault-user-list",
  plain: "fault-plain",
  disabled: "fault-disabled",
} as const;

export interface FaultStackOptions {
  /** The auth, flag and targeting databases on a cluster of the test's own. */
  ownPostgres?: boolean;
  /** Evaluation's event buffer: small, so an outage overflows it. */
  eventBuffer?: number;
}

export type FaultStack = Awaited<ReturnType<typeof startFaultStack>>;

/**
 * A fault stack for the tests of one file: started before them, torn down after them
 * (also when one fails mid-outage). Call the returned function to reach it.
 */
export function faultStackForFile(options: FaultStackOptions = {}): () => FaultStack {
  const cleanup = new Cleanup();
  let stack: FaultStack | undefined;
  beforeAll(async () => {
    stack = await startFaultStack(cleanup, options);
  }, 120_000);
  afterAll(() => cleanup.run(), 60_000);
  return () => {
    if (stack === undefined) throw new Error("the fault stack did not start");
    return stack;
  };
}

export async function startFaultStack(
  cleanup: Cleanup,
  { ownPostgres = false, eventBuffer }: FaultStackOptions = {},
) {
  const redis = await startRedisServer();
  cleanup.add(() => redis.stop());
  const emulators = await startSeparateEmulators();
  cleanup.add(() => emulators.aws.stop());
  const postgres = ownPostgres ? await createPostgresCluster() : undefined;
  if (postgres !== undefined) cleanup.add(() => postgres.destroy());
  const databaseUrls = postgres && {
    auth: await postgres.createDatabase("tm_auth"),
    flag: await postgres.createDatabase("tm_flag"),
    targeting: await postgres.createDatabase("tm_targeting"),
  };
  const stack = await startStack({
    redisUrl: redis.url,
    aws: emulators.aws,
    databaseUrls,
    extraEnv:
      eventBuffer === undefined
        ? {}
        : { evaluation: { EVENT_BUFFER_CAPACITY: String(eventBuffer) } },
  });
  cleanup.add(() => stack.stop());
  // Runs before the services stop: a test failing mid-outage must not slow their shutdown.
  cleanup.add(() => {
    emulators.sqs.thaw();
    emulators.dynamo.thaw();
  });

  const { key } = await stack.createKey("fault-tests");
  let directEvaluations = 0;

  /** A JSON call with the API key (or `credential`); the status and parsed body. */
  const call = async (
    service: ServiceName,
    method: string,
    path: string,
    body?: unknown,
    credential = key,
  ) => {
    const response = await fetch(`${stack.url(service)}${path}`, {
      method,
      headers: { authorization: `Bearer ${credential}` },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
  };

  /** One evaluation outside the load; its event is expected like the load's. */
  const evaluate = async (flagName: string, userId: string): Promise<boolean> => {
    const query = new URLSearchParams({ user_id: userId, flag_name: flagName });
    const response = await fetch(`${stack.url("evaluation")}/evaluate?${query}`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (response.status !== 200) throw new Error(`/evaluate answered ${response.status}`);
    directEvaluations++;
    return ((await response.json()) as { result: boolean }).result;
  };

  const created = await Promise.all([
    call("flag", "POST", "/flags", { name: FLAGS.percentage, is_enabled: true }),
    call("flag", "POST", "/flags", { name: FLAGS.userList, is_enabled: true }),
    call("flag", "POST", "/flags", { name: FLAGS.plain, is_enabled: true }),
    call("flag", "POST", "/flags", { name: FLAGS.disabled, is_enabled: false }),
    call("targeting", "POST", "/rules", {
      flag_name: FLAGS.percentage,
      rules: { type: "PERCENTAGE", value: 50 },
    }),
    call("targeting", "POST", "/rules", {
      flag_name: FLAGS.userList,
      // Two users the load sends to this flag.
      rules: { type: "USER_LIST", values: ["load-0-1", "load-1-0"] },
    }),
  ]);
  for (const { status } of created) expect(status).toBe(201);
  for (const flagName of Object.values(FLAGS)) await evaluate(flagName, `warm-${flagName}`);

  return {
    stack,
    redis,
    emulators,
    postgres,
    call,

    /**
     * Warm flags live 30 s while change notices flow, longer than most faults: announcing
     * a change to every flag (as a write through another replica would) makes evaluation
     * reload them from flag and targeting now, through whatever is broken.
     */
    announceChanges: () =>
      Promise.all(
        Object.values(FLAGS).map((name) => {
          const notice: ChangeNotice = { kind: "flag", name, action: "updated" };
          return redis.publish(CHANGE_CHANNEL, JSON.stringify(notice));
        }),
      ),

    /** Failed calls from evaluation to flag, targeting or auth so far. */
    upstreamErrors: (service: "auth" | "flag" | "targeting") =>
      metricValue(
        stack.url("evaluation"),
        "evaluation_upstream_errors_total",
        `service="${service}"`,
      ),

    /** Polls with new users until `flagName` decides `expected`; whether it did in time. */
    showsResult(flagName: string, expected: boolean, timeoutMs: number) {
      let attempt = 0;
      return eventually(
        async () => (await evaluate(flagName, `probe-${flagName}-${attempt++}`)) === expected,
        timeoutMs,
        50,
      );
    },

    /** Runs `fault` between two stretches of steady load and returns what the load saw. */
    async underLoad(fault: (load: Load) => Promise<void>): Promise<LoadCounts> {
      const load = startLoad({
        evaluationUrl: stack.url("evaluation"),
        flags: Object.values(FLAGS),
        userPrefix: "load",
        // A bound in case the fault hangs; normally stopped right after the recovery.
        durationMs: OUTAGE_MS + 120_000,
      });
      try {
        await Bun.sleep(STEADY_MS);
        await fault(load);
        await Bun.sleep(STEADY_MS);
      } finally {
        load.stop();
      }
      return load.finished;
    },

    /** Once every event has landed (or a minute has passed): where each one went. */
    settle: (load: LoadCounts) =>
      settleEvents(stack.url("evaluation"), emulators.aws, directEvaluations + load.ok),
  };
}

/** The one line each fault test prints. */
export function report(fault: string, load: LoadCounts, events: EventTally) {
  const { latencyMs } = load;
  console.log(
    `fault ${fault}: requests=${load.requests} 2xx=${load.ok} 5xx=${load.serverErrors} other=${load.other} ` +
      `events_sent=${events.sent} events_stored=${events.stored} dropped=${events.dropped} ` +
      `(evaluations=${events.evaluations} distinct_stored=${events.distinct} dead_lettered=${events.deadLettered} ` +
      `latency_ms p50=${latencyMs.p50} p99=${latencyMs.p99} max=${latencyMs.max} outcomes=${JSON.stringify(load.outcomes)})`,
  );
}

/** The load was answered throughout: every request a 200 decision, no 5xx, no timeout. */
export function expectAlwaysAnswered(load: LoadCounts) {
  expect(load.requests).toBeGreaterThan(0);
  expect(load.outcomes).toEqual({ "200": load.requests });
}

/**
 * Every evaluation's event was either sent or counted as dropped, and every event sent is
 * in the table (some maybe twice: delivery is at least once), none in the dead-letter queue.
 * A send that timed out may still have reached SQS, so an event counted as dropped can
 * arrive after all: the table holds at least every sent event and at most every event.
 */
export function expectEveryEventAccountedFor(events: EventTally) {
  expect(events.sent + events.dropped).toBe(events.evaluations);
  expect(events.distinct).toBeGreaterThanOrEqual(events.sent);
  expect(events.distinct).toBeLessThanOrEqual(events.evaluations);
  expect(events.deadLettered).toBe(0);
}

function outageSeconds(value: string | undefined): number {
  const seconds = Number(value ?? 10);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 120)
    throw new Error(
      `FAULT_OUTAGE_SECONDS must be a number of seconds from 1 to 120, got "${value}"`,
    );
  return seconds;
}
