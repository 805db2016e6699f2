/**
 * One JSON object per line on stdout. Lines are buffered and written in batches because a
 * synchronous write per request costs more than the request itself on the hot path.
 *
 * Access lines: every request is a line, except successful (2xx) requests of hot routes
 * (`/evaluate`, OFREP), which at tens of thousands a second are summarised instead: one
 * line per route every `summaryIntervalMs` with their count, statuses, mean and slowest
 * duration. Errors and every other status stay one line each; `requests: "all"` logs
 * every request. Metrics count every request either way.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A quick look for anything the masks below could match: most lines have none. */
const mayHoldSecret = (text: string) =>
  text.includes("tm_key_") || text.includes("eyJ") || text.includes("@") || /bearer/i.test(text);

/** Masks anything that looks like a credential before it can reach a log line. */
export function scrub(text: string): string {
  if (!mayHoldSecret(text)) return text;
  return text
    .replace(/tm_key_[0-9a-f]{8,}/gi, "tm_key_[redacted]")
    .replace(/(bearer\s+)[^\s"',]+/gi, "$1[redacted]")
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, "[jwt redacted]")
    .replace(/(\w+:\/\/[^:/\s"']+:)[^@\s"']+@/g, "$1[redacted]@");
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** The access log of one request, at `info`: a line, or a share of a hot route's summary. */
  request(line: AccessLine, hot?: boolean): void;
  /** Writes what is buffered, summaries included. */
  flush(): void;
}

export interface AccessLine {
  /** Word characters, `.`, `:` and `-` only (checked where ids are accepted). */
  requestId: string;
  method: string;
  /** The request URL; only its path is logged. */
  url: string;
  /** The route pattern, from code. */
  route: string;
  status: number;
  /** Unrounded: the log rounds to the microsecond when it writes. */
  durationMs: number;
}

export type RequestLogging = "summary" | "all";

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** `summary` (default): hot routes' 2xx requests are summarised; `all`: a line each. */
  requests?: RequestLogging;
  summaryIntervalMs?: number;
  write?: (chunk: string) => void;
}

/** Successful requests of one hot route since its last summary line. */
interface RouteSummary {
  requests: number;
  /** Requests by status. A Map: a plain object keyed by status is a sparse array to the engine. */
  statuses: Map<number, number>;
  totalMs: number;
  slowestMs: number;
}

export function createLogger({
  service,
  level = "info",
  requests = "summary",
  summaryIntervalMs = 10_000,
  write = (chunk) => process.stdout.write(chunk),
}: LoggerOptions): Logger {
  const threshold = RANK[level];
  let buffer = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const summaries = new Map<string, RouteSummary>();
  let summaryTimer: ReturnType<typeof setTimeout> | undefined;

  const writeSummaries = () => {
    if (summaryTimer !== undefined) clearTimeout(summaryTimer);
    summaryTimer = undefined;
    for (const [route, { requests: count, statuses, totalMs, slowestMs }] of summaries)
      log("info", "requests summary", {
        route,
        requests: count,
        statuses: Object.fromEntries(statuses),
        mean_ms: toMicroseconds(totalMs / count),
        max_ms: toMicroseconds(slowestMs),
      });
    summaries.clear();
  };

  const flush = () => {
    writeSummaries();
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (buffer === "") return;
    const chunk = buffer;
    buffer = "";
    write(chunk);
  };

  // Formatting a date costs more than the rest of an access log line; reuse it within a millisecond.
  let lastMs = 0;
  let lastIso = "";
  const now = () => {
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  };

  const append = (line: string) => {
    buffer += `${scrub(line)}\n`;
    if (buffer.length > 64 * 1024) flush();
    else timer ??= setTimeout(flush, 20);
  };

  // The fixed part of each line is cached per level and message; only the fields are
  // serialised per call (this runs once per request).
  const heads = new Map<string, string>();
  const headOf = (lineLevel: LogLevel, message: string) => {
    const key = `${lineLevel} ${message}`;
    let head = heads.get(key);
    if (head === undefined) {
      head = `,"level":"${lineLevel}","service":${JSON.stringify(service)},"message":${JSON.stringify(message)}`;
      if (heads.size < 1_000) heads.set(key, head);
    }
    return head;
  };

  const log = (lineLevel: LogLevel, message: string, fields?: LogFields) => {
    if (RANK[lineLevel] < threshold) return;
    const rest = fields === undefined ? "}" : `,${JSON.stringify(fields).slice(1)}`;
    append(`{"time":"${now()}"${headOf(lineLevel, message)}${rest === ",}" ? "}" : rest}`);
  };

  // Access lines are templated: one per request, and JSON.stringify of an object costs more.
  const accessHead = `,"level":"info","service":${JSON.stringify(service)},"message":"request","request_id":"`;
  const summarise = (route: string, status: number, durationMs: number) => {
    let summary = summaries.get(route);
    if (summary === undefined) {
      summary = { requests: 0, statuses: new Map(), totalMs: 0, slowestMs: 0 };
      summaries.set(route, summary);
    }
    summary.requests++;
    summary.statuses.set(status, (summary.statuses.get(status) ?? 0) + 1);
    summary.totalMs += durationMs;
    if (durationMs > summary.slowestMs) summary.slowestMs = durationMs;
    if (summaryTimer === undefined) {
      summaryTimer = setTimeout(writeSummaries, summaryIntervalMs);
      // A summary alone never keeps the process alive.
      (summaryTimer as { unref?: () => void }).unref?.();
    }
  };

  const request = (
    { requestId, method, url, route, status, durationMs }: AccessLine,
    hot = false,
  ) => {
    if (RANK.info < threshold) return;
    if (hot && requests === "summary" && status >= 200 && status < 300)
      return summarise(route, status, durationMs);
    append(
      `{"time":"${now()}"${accessHead}${requestId}","method":"${method}","path":${JSON.stringify(pathOf(url))},"route":${JSON.stringify(route)},"status":${status},"duration_ms":${toMicroseconds(durationMs)}}`,
    );
  };

  return {
    request,
    debug: (message, fields) => log("debug", message, fields),
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
    flush,
  };
}

/**
 * Milliseconds rounded to the microsecond. A hot route answers in microseconds, so coarser
 * rounding would log them, and their mean, as 0.
 */
const toMicroseconds = (ms: number) => Math.round(ms * 1000) / 1000;

/** The path of a URL: what the access log shows, never the query (it may carry user ids). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", start);
  return url.slice(start, query === -1 ? undefined : query);
}

/** The message of an unknown thrown value, safe to log. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0)
    return error.errors.map(describeError).join("; ");
  if (error instanceof Error) return scrub(error.message || error.name);
  return scrub(String(error));
}
