/**
 * Evaluation events as the evaluation-service publishes them on SQS:
 * `{"user_id","flag_name","result","timestamp"}`, identified by the SQS MessageId.
 */
export interface EvaluationEvent {
  eventId: string;
  userId: string;
  flagName: string;
  result: boolean;
  timestamp: string;
  /** The UTC hour of `timestamp`, the counters' sort key. */
  hour: string;
}

/** How many true and false results a flag had in one hour (`2026-11-26T09:00:00Z`). */
export interface HourlyCount {
  flagName: string;
  hour: string;
  trueCount: number;
  falseCount: number;
}

export type ParsedEvent = { event: EvaluationEvent } | { problem: string };

/** DynamoDB limits keys to 2048 (partition) and 1024 (sort) bytes; ids this long are not real. */
export const MAX_ID_BYTES = 1024;

export const HOUR_MS = 3_600_000;
const ISO_DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

const utf8 = new TextEncoder();
const isId = (value: unknown): value is string =>
  typeof value === "string" && value !== "" && utf8.encode(value).length <= MAX_ID_BYTES;

/** The UTC hour holding an instant (epoch ms), as an ISO string: `2026-11-26T09:00:00Z`. */
export const isoHour = (epochMs: number): string =>
  `${new Date(Math.floor(epochMs / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13)}:00:00Z`;

/**
 * The UTC hour of an ISO 8601 date-time, or undefined when it is not one. A missing zone
 * means UTC (the original service wrote naive UTC timestamps); fractions are ignored.
 */
export function hourOf(timestamp: string): string | undefined {
  const match = ISO_DATE_TIME.exec(timestamp);
  if (match === null) return undefined;
  const [, date, hours, minutes, seconds = "00", zone = "Z"] = match;
  const normalizedZone = zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const epochMs = Date.parse(`${date}T${hours}:${minutes}:${seconds}${normalizedZone}`);
  return Number.isNaN(epochMs) ? undefined : isoHour(epochMs);
}

export function parseEvent(eventId: string, body: string): ParsedEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { problem: "body is not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { problem: "body is not a JSON object" };
  const { user_id, flag_name, result, timestamp } = value as Record<string, unknown>;
  if (!isId(user_id))
    return { problem: `'user_id' must be a non-empty string of at most ${MAX_ID_BYTES} bytes` };
  if (!isId(flag_name))
    return { problem: `'flag_name' must be a non-empty string of at most ${MAX_ID_BYTES} bytes` };
  if (typeof result !== "boolean") return { problem: "'result' must be a boolean" };
  const hour = typeof timestamp === "string" ? hourOf(timestamp) : undefined;
  if (typeof timestamp !== "string" || hour === undefined)
    return { problem: "'timestamp' must be an ISO 8601 date-time" };
  return { event: { eventId, userId: user_id, flagName: flag_name, result, timestamp, hour } };
}

/** Sums events per flag and hour, so a batch costs one counter update per pair. */
export function countByHour(events: readonly EvaluationEvent[]): HourlyCount[] {
  const counts = new Map<string, HourlyCount>();
  for (const event of events) {
    const key = JSON.stringify([event.flagName, event.hour]);
    let count = counts.get(key);
    if (count === undefined) {
      count = { flagName: event.flagName, hour: event.hour, trueCount: 0, falseCount: 0 };
      counts.set(key, count);
    }
    if (event.result) count.trueCount++;
    else count.falseCount++;
  }
  return [...counts.values()];
}
