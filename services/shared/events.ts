/**
 * Evaluation events on SQS: the one codec evaluation writes with and analytics reads with.
 *
 * v1 (ToggleMaster v1, still accepted): one event per message,
 *   {"user_id":"u1","flag_name":"f","result":true,"timestamp":"2026-12-02T17:04:05.123Z"}
 *
 * v2 (what evaluation sends): many events and the exact hourly counts per message,
 *   {"v":2,"producer":"p7k2…","seq":12,"t":1764695045123,
 *    "events":[[0,"u1","f",true,"on"],[3,"u2","f",false,"off"]],
 *    "counts":[["f","2026-12-02T17:00:00Z","on",true,812],["f","2026-12-02T17:00:00Z","off",false,388]]}
 *
 * - `producer` names one running evaluation process and `seq` numbers its messages from 1,
 *   so (producer, seq) identifies a message however often SQS delivers it: analytics keys
 *   items and counter updates by it, which makes redelivery harmless.
 * - An event is `[ms after t, user id, flag name, boolean result or null, variant]`; its
 *   item id is `<producer>:<seq>:<index>`.
 * - A count is `[flag name, UTC hour, variant, boolean result or null, evaluations]`: every
 *   evaluation is counted, including those whose event was dropped or not sampled.
 * - A message is at most `MAX_MESSAGE_BYTES` of UTF-8: one billed SQS request.
 */
import { isObject, MAX_FLAG_NAME, MAX_USER_ID } from "./limits.ts";

export const ENVELOPE_VERSION = 2;

/** 64 KiB is what SQS bills as one request; larger messages cost more and save nothing. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Longest variant name. */
export const MAX_VARIANT = 100;

export const HOUR_MS = 3_600_000;

/** One evaluation. */
export interface EvaluationEvent {
  /** When it was made (epoch ms). */
  time: number;
  userId: string;
  flagName: string;
  /** The answer of a boolean flag; null for a flag whose values are not booleans. */
  result: boolean | null;
  /** The variant served (`on`/`off` for a v1 flag). */
  variant: string;
}

/** An event as analytics stores it. */
export interface StoredEvent extends EvaluationEvent {
  /** The item key: the v1 MessageId, or `<producer>:<seq>:<index>`. */
  eventId: string;
  /** `time` as ISO 8601 UTC. */
  timestamp: string;
}

/** Evaluations of one flag in one UTC hour that served one variant. */
export interface Count {
  flagName: string;
  /** `2026-12-02T17:00:00Z` */
  hour: string;
  variant: string;
  result: boolean | null;
  evaluations: number;
}

export type DecodedMessage =
  | {
      version: 1;
      events: StoredEvent[];
      /** The one event, counted; v1 messages carry no identity, so counting is at least once. */
      counts: Count[];
    }
  | { version: 2; producer: string; seq: number; events: StoredEvent[]; counts: Count[] }
  | { problem: string };

/** The UTC hour holding an instant (epoch ms): `2026-11-26T09:00:00Z`. */
export const isoHour = (epochMs: number): string =>
  `${new Date(Math.floor(epochMs / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13)}:00:00Z`;

/** The variant a v1 flag serves for a result. */
export const booleanVariant = (result: boolean) => (result ? "on" : "off");

// ─── writing ────────────────────────────────────────────────────────────────────────────

/** UTF-8 length of JSON text as `toString` writes it, without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 2; // a pair: 4 bytes for 2 units
      index++;
    } else if (unit >= 0xfffe)
      bytes += 5; // written as a 6-byte escape
    else bytes += 2;
  }
  return bytes;
}

/** JSON text SQS accepts: it refuses U+FFFE and U+FFFF, which JSON leaves unescaped. */
const sqsSafe = (json: string) =>
  json.replace(/[\uFFFE\uFFFF]/g, (character) => `\\u${character.charCodeAt(0).toString(16)}`);

/**
 * Builds one v2 message. `add*` answer false, adding nothing, when the item would take the
 * message over its size: send it and start the next one.
 */
export class EnvelopeWriter {
  private readonly events: string[] = [];
  private readonly counts: string[] = [];
  private bytes: number;

  constructor(
    readonly producer: string,
    readonly seq: number,
    /** The time offsets count from (epoch ms): the first event's time. */
    readonly start: number,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {
    this.bytes = utf8Length(this.head()) + '],"counts":[]}'.length;
  }

  get eventCount(): number {
    return this.events.length;
  }

  get countCount(): number {
    return this.counts.length;
  }

  get isEmpty(): boolean {
    return this.events.length === 0 && this.counts.length === 0;
  }

  /** The UTF-8 size of the message so far. */
  get byteLength(): number {
    return this.bytes;
  }

  addEvent(event: EvaluationEvent): boolean {
    const head = `[${event.time - this.start},${JSON.stringify(event.userId)}`;
    const tail = eventTail(event.flagName, event.result, event.variant);
    return this.appendSized(this.events, head + tail.json, utf8Length(head) + tail.bytes);
  }

  addCount(count: Count): boolean {
    return this.append(
      this.counts,
      `[${JSON.stringify(count.flagName)},"${count.hour}",${JSON.stringify(count.variant)},${count.result},${count.evaluations}]`,
    );
  }

  /** The message body. */
  toString(): string {
    return sqsSafe(`${this.head()}${this.events.join(",")}],"counts":[${this.counts.join(",")}]}`);
  }

  private head() {
    return `{"v":${ENVELOPE_VERSION},"producer":${JSON.stringify(this.producer)},"seq":${this.seq},"t":${this.start},"events":[`;
  }

  private append(list: string[], json: string): boolean {
    return this.appendSized(list, json, utf8Length(json));
  }

  private appendSized(list: string[], json: string, bytes: number): boolean {
    const added = bytes + (list.length === 0 ? 0 : 1);
    if (this.bytes + added > this.maxBytes) return false;
    list.push(json);
    this.bytes += added;
    return true;
  }
}

/**
 * `,"flag",result,"variant"]`, the end of an event, with its UTF-8 size. Thousands of events
 * in a message share a few flags and variants, so each end is written once and reused.
 */
const eventTails = new Map<string, { json: string; bytes: number }>();
const MAX_EVENT_TAILS = 10_000;

function eventTail(flagName: string, result: boolean | null, variant: string) {
  const key = `${flagName}\u0000${result}\u0000${variant}`;
  let tail = eventTails.get(key);
  if (tail === undefined) {
    const json = `,${JSON.stringify(flagName)},${result},${JSON.stringify(variant)}]`;
    tail = { json, bytes: utf8Length(json) };
    if (eventTails.size >= MAX_EVENT_TAILS) eventTails.clear();
    eventTails.set(key, tail);
  }
  return tail;
}

// ─── reading ────────────────────────────────────────────────────────────────────────────

const PRODUCER = /^[\w-]{1,64}$/;
const ISO_HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/;
const ISO_DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The furthest instant from 1970 a JavaScript Date holds; beyond it `toISOString` throws. */
const LATEST_DATE_MS = 8.64e15;

const isUserId = (value: unknown): value is string =>
  typeof value === "string" && value !== "" && value.length <= MAX_USER_ID;
const isFlag = (value: unknown): value is string =>
  typeof value === "string" && value !== "" && value.length <= MAX_FLAG_NAME;
const isVariant = (value: unknown): value is string =>
  typeof value === "string" && value !== "" && value.length <= MAX_VARIANT;
const isResult = (value: unknown): value is boolean | null =>
  typeof value === "boolean" || value === null;

/**
 * The instant of an ISO 8601 date-time (epoch ms), or undefined. A missing zone means UTC
 * (v1 wrote naive UTC timestamps).
 */
export function parseTimestamp(timestamp: string): number | undefined {
  const match = ISO_DATE_TIME.exec(timestamp);
  if (match === null) return undefined;
  const [, date, hours, minutes, seconds = "00", fraction = "", zone = "Z"] = match;
  const normalizedZone = zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const millis = fraction === "" ? "" : fraction.slice(0, 4).padEnd(4, "0");
  const epochMs = Date.parse(`${date}T${hours}:${minutes}:${seconds}${millis}${normalizedZone}`);
  return Number.isNaN(epochMs) ? undefined : epochMs;
}

const stored = (eventId: string, event: EvaluationEvent): StoredEvent => ({
  eventId,
  timestamp: new Date(event.time).toISOString(),
  ...event,
});

function decodeV1(messageId: string, value: Record<string, unknown>): DecodedMessage {
  const { user_id, flag_name, result, timestamp } = value;
  if (!isUserId(user_id))
    return { problem: `'user_id' must be a non-empty string of at most ${MAX_USER_ID} characters` };
  if (!isFlag(flag_name))
    return {
      problem: `'flag_name' must be a non-empty string of at most ${MAX_FLAG_NAME} characters`,
    };
  if (typeof result !== "boolean") return { problem: "'result' must be a boolean" };
  const time = typeof timestamp === "string" ? parseTimestamp(timestamp) : undefined;
  if (time === undefined) return { problem: "'timestamp' must be an ISO 8601 date-time" };
  const event = {
    time,
    userId: user_id,
    flagName: flag_name,
    result,
    variant: booleanVariant(result),
  };
  return {
    version: 1,
    events: [{ ...stored(messageId, event), timestamp: timestamp as string }],
    counts: [
      { flagName: flag_name, hour: isoHour(time), variant: event.variant, result, evaluations: 1 },
    ],
  };
}

function decodeV2(value: Record<string, unknown>): DecodedMessage {
  const { producer, seq, t: start, events, counts } = value;
  if (typeof producer !== "string" || !PRODUCER.test(producer))
    return { problem: "'producer' must be 1-64 letters, digits, '_' or '-'" };
  if (!Number.isSafeInteger(seq) || (seq as number) < 1)
    return { problem: "'seq' must be a positive integer" };
  if (!Number.isSafeInteger(start)) return { problem: "'t' must be an epoch time in ms" };
  if (!Array.isArray(events)) return { problem: "'events' must be an array" };
  if (!Array.isArray(counts)) return { problem: "'counts' must be an array" };
  const decoded: StoredEvent[] = [];
  for (const [index, tuple] of events.entries()) {
    const [offset, userId, flagName, result, variant] = Array.isArray(tuple) ? tuple : [];
    if (
      !Array.isArray(tuple) ||
      tuple.length !== 5 ||
      !Number.isSafeInteger(offset) ||
      !isUserId(userId) ||
      !isFlag(flagName) ||
      !isResult(result) ||
      !isVariant(variant)
    )
      return { problem: `events[${index}] must be [offset ms, user id, flag, result, variant]` };
    const time = (start as number) + (offset as number);
    if (Math.abs(time) > LATEST_DATE_MS)
      return { problem: `events[${index}] is at a time no date can hold` };
    decoded.push(
      stored(`${producer}:${seq}:${index}`, { time, userId, flagName, result, variant }),
    );
  }
  const decodedCounts: Count[] = [];
  for (const [index, tuple] of counts.entries()) {
    const [flagName, hour, variant, result, evaluations] = Array.isArray(tuple) ? tuple : [];
    if (
      !Array.isArray(tuple) ||
      tuple.length !== 5 ||
      !isFlag(flagName) ||
      typeof hour !== "string" ||
      !ISO_HOUR.test(hour) ||
      !isVariant(variant) ||
      !isResult(result) ||
      !Number.isSafeInteger(evaluations) ||
      (evaluations as number) < 1
    )
      return { problem: `counts[${index}] must be [flag, ISO hour, variant, result, evaluations]` };
    decodedCounts.push({ flagName, hour, variant, result, evaluations: evaluations as number });
  }
  return {
    version: 2,
    producer,
    seq: seq as number,
    events: decoded,
    counts: decodedCounts,
  };
}

/** Reads a message body of either version; `problem` says why one cannot be read. */
export function decodeMessage(messageId: string, body: string): DecodedMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { problem: "body is not JSON" };
  }
  if (!isObject(value)) return { problem: "body is not a JSON object" };
  if (value.v === undefined) return decodeV1(messageId, value);
  if (value.v !== ENVELOPE_VERSION) return { problem: `unknown envelope version ${value.v}` };
  return decodeV2(value);
}
