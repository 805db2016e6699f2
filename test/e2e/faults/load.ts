/**
 * A small, bounded load generator for `/evaluate`: a few concurrent loops, each sending one
 * request at a time with a short pause, over a few flags and a new user every request (so
 * every evaluation's event can be told apart). Every request has a timeout; every answer
 * is counted by status. It stops by itself after `durationMs`, or earlier on `stop()`.
 */
export interface LoadOptions {
  evaluationUrl: string;
  flags: readonly string[];
  /** Every user id starts with it. */
  userPrefix: string;
  durationMs: number;
  concurrency?: number;
  /** Between two requests of one loop: keeps the load steady and the event count modest. */
  pauseMs?: number;
  requestTimeoutMs?: number;
}

export interface LoadCounts {
  requests: number;
  /** 200s whose body is a decision for the flag and user asked about. */
  ok: number;
  serverErrors: number;
  /** Everything else: other statuses, malformed bodies, timeouts, refused connections. */
  other: number;
  /** Count per status, or "timeout", "network", "bad-body". */
  outcomes: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface Load {
  /** The counts so far. */
  counts(): LoadCounts;
  stop(): void;
  finished: Promise<LoadCounts>;
}

export function startLoad({
  evaluationUrl,
  flags,
  userPrefix,
  durationMs,
  concurrency = 6,
  pauseMs = 10,
  requestTimeoutMs = 2_000,
}: LoadOptions): Load {
  const outcomes: Record<string, number> = {};
  const latencies: number[] = [];
  const deadline = Date.now() + durationMs;
  let stopped = false;

  const record = (outcome: string, startedAt: number) => {
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    latencies.push(performance.now() - startedAt);
  };

  const evaluateOnce = async (flagName: string, userId: string) => {
    const startedAt = performance.now();
    const query = new URLSearchParams({ user_id: userId, flag_name: flagName });
    try {
      const response = await fetch(`${evaluationUrl}/evaluate?${query}`, {
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const text = await response.text();
      const decided = response.status === 200 && isDecision(text, flagName, userId);
      record(response.status === 200 && !decided ? "bad-body" : String(response.status), startedAt);
    } catch (error) {
      record((error as Error).name === "TimeoutError" ? "timeout" : "network", startedAt);
    }
  };

  const loop = async (loopIndex: number) => {
    for (let sent = 0; !stopped && Date.now() < deadline; sent++) {
      const flagName = flags[(loopIndex + sent) % flags.length] as string;
      await evaluateOnce(flagName, `${userPrefix}-${loopIndex}-${sent}`);
      await Bun.sleep(pauseMs);
    }
  };

  const counts = (): LoadCounts => {
    const requests = latencies.length;
    const ok = outcomes["200"] ?? 0;
    const serverErrors = Object.entries(outcomes)
      .filter(([outcome]) => /^5\d\d$/.test(outcome))
      .reduce((sum, [, count]) => sum + count, 0);
    return {
      requests,
      ok,
      serverErrors,
      other: requests - ok - serverErrors,
      outcomes: { ...outcomes },
      latencyMs: percentiles(latencies),
    };
  };

  const finished = Promise.all(Array.from({ length: concurrency }, (_, index) => loop(index))).then(
    counts,
  );
  return {
    counts,
    stop: () => {
      stopped = true;
    },
    finished,
  };
}

function isDecision(text: string, flagName: string, userId: string): boolean {
  try {
    const body = JSON.parse(text) as { flag_name?: unknown; user_id?: unknown; result?: unknown };
    return (
      body.flag_name === flagName && body.user_id === userId && typeof body.result === "boolean"
    );
  } catch {
    return false;
  }
}

function percentiles(values: number[]): LoadCounts["latencyMs"] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? 0);
  return { p50: at(0.5), p99: at(0.99), max: Math.round(sorted.at(-1) ?? 0) };
}
