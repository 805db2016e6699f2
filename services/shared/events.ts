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
 * - On the queue the v2 JSON is gzip-compressed and base64-encoded (the body starts with
 *   `H4sI`, gzip's magic number in base64): four to five times the events per billed
 *   request, and a body the SDK serialises without escaping. The gzip data may be several
 *   members in a row, which gzip readers join (RFC 1952): the writer compresses a message a
 *   part at a time as it fills. Plain v2 JSON is read too.
 */
import { Buffer } from "node:buffer";
import { gunzipSync, gzipSync } from "node:zlib";
import { isObject, MAX_FLAG_NAME, MAX_USER_ID } from "./limits.ts";

export const ENVELOPE_VERSION = 2;

/**
 * The JSON one message carries before compression. Events compress four to five times, so
 * a message is typically 45-60 KiB on the queue (SQS bills each 64 KiB as one request);
 * should nothing compress, base64 still keeps it under SQS's limit of 256 KiB.
 */
export const MAX_ENVELOPE_BYTES = 160 * 1024;

/**
 * The least JSON compressed as one gzip member while a message fills. Compressing a 160 KiB
 * message at once holds the event loop for about half a millisecond; in parts of 16 KiB and
 * more, each takes a twentieth of that, and the message is about 2 % larger.
 */
const MEMBER_BYTES = 16 * 1024;
const GZIP = { level: 1 } as const;

/** The most a compressed body may expand to when read: a bound against gzip bombs. */
const MAX_DECODED_BYTES = 4 * 1024 * 1024;

/** A compressed body starts with gzip's magic number (1f 8b 08) in base64. */
const COMPRESSED_PREFIX = "H4sI";

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

const utf8 = new TextEncoder();
const QUOTE = 0x22;
const COMMA = 0x2c;
/** The JSON after the events when there are no counts. */
const CLOSING = '],"counts":[]}';

/** Whether a string is written into JSON as it is: printable ASCII, no quote or backslash. */
function isPlainAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x20 || unit > 0x7e || unit === QUOTE || unit === 0x5c) return false;
  }
  return true;
}

/** Decimal digits of a safe integer, its sign included. */
function digitCount(value: number): number {
  let digits = value < 0 ? 2 : 1;
  for (let rest = Math.abs(value); rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

/**
 * Builds one v2 message straight into UTF-8 bytes: adding an event allocates nothing (it
 * happens thousands of times a second, off the request path but on its thread), and sealing
 * compresses the bytes as they are. `add*` answer false, adding nothing, when the item would
 * take the JSON over its size: send the message and start the next one.
 */
export class EnvelopeWriter {
  private readonly json: Uint8Array;
  /** Where the next event goes. */
  private end: number;
  private events = 0;
  private readonly counts: string[] = [];
  /** The UTF-8 size of the counts, with the commas between them. */
  private countBytes = 0;
  /** The JSON before `compressedEnd`, compressed: gzip members, in order. */
  private readonly members: Uint8Array[] = [];
  private compressedEnd = 0;

  constructor(
    readonly producer: string,
    readonly seq: number,
    /** The time offsets count from (epoch ms): the first event's time. */
    readonly start: number,
    private readonly maxBytes = MAX_ENVELOPE_BYTES,
  ) {
    const head = utf8.encode(
      `{"v":${ENVELOPE_VERSION},"producer":${JSON.stringify(producer)},"seq":${seq},"t":${start},"events":[`,
    );
    this.json = new Uint8Array(maxBytes);
    this.json.set(head.subarray(0, maxBytes));
    this.end = head.length;
  }

  get eventCount(): number {
    return this.events;
  }

  /** The UTF-8 size of the JSON so far. */
  get byteLength(): number {
    return this.end + CLOSING.length + this.countBytes;
  }

  addEvent({ time, userId, flagName, result, variant }: EvaluationEvent): boolean {
    const tail = eventTail(flagName, result, variant);
    const plain = isPlainAscii(userId);
    const user = plain ? undefined : utf8.encode(JSON.stringify(userId));
    const offset = time - this.start;
    // `,` between events, `[`, the offset, `,`, the quoted user id, then the tail.
    const size =
      (this.events === 0 ? 2 : 3) +
      digitCount(offset) +
      (user?.length ?? userId.length + 2) +
      tail.length;
    if (this.byteLength + size > this.maxBytes) return false;
    const json = this.json;
    let at = this.end;
    if (this.events > 0) json[at++] = COMMA;
    json[at++] = 0x5b; // [
    at = writeInteger(json, at, offset);
    json[at++] = COMMA;
    if (user === undefined) {
      json[at++] = QUOTE;
      for (let index = 0; index < userId.length; index++) json[at++] = userId.charCodeAt(index);
      json[at++] = QUOTE;
    } else {
      json.set(user, at);
      at += user.length;
    }
    json.set(tail, at);
    this.end = at + tail.length;
    this.events++;
    return true;
  }

  addCount(count: Count): boolean {
    const json = `[${JSON.stringify(count.flagName)},"${count.hour}",${JSON.stringify(count.variant)},${count.result},${count.evaluations}]`;
    const size = utf8.encode(json).length + (this.counts.length === 0 ? 0 : 1);
    if (this.byteLength + size > this.maxBytes) return false;
    this.counts.push(json);
    this.countBytes += size;
    return true;
  }

  /** The JSON from `start` on, closed, as UTF-8. */
  private jsonBytes(start = 0): Uint8Array {
    const closing = utf8.encode(`],"counts":[${this.counts.join(",")}]}`);
    const json = new Uint8Array(this.end - start + closing.length);
    json.set(this.json.subarray(start, this.end));
    json.set(closing, this.end - start);
    return json;
  }

  /** The v2 JSON. */
  toString(): string {
    return new TextDecoder().decode(this.jsonBytes());
  }

  /**
   * Compresses the events added since the last part, once they make `MEMBER_BYTES`, so that
   * `encode` has only the rest to compress. Called between slices of packing.
   */
  compressAdded(): void {
    if (this.end - this.compressedEnd < MEMBER_BYTES) return;
    this.members.push(gzipSync(this.json.subarray(this.compressedEnd, this.end), GZIP));
    this.compressedEnd = this.end;
  }

  /** The message body as sent: the JSON, gzip-compressed (fastest level) and base64-encoded. */
  encode(): string {
    const last = gzipSync(this.jsonBytes(this.compressedEnd), GZIP);
    return Buffer.concat([...this.members, last]).toString("base64");
  }
}

/** Writes a safe integer in decimal at `at`; returns where it ends. */
function writeInteger(json: Uint8Array, at: number, value: number): number {
  let position = at;
  if (value < 0) json[position++] = 0x2d; // -
  const digits = digitCount(Math.abs(value));
  let rest = Math.abs(value);
  for (let index = digits - 1; index >= 0; index--) {
    json[position + index] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return position + digits;
}

/**
 * `,"flag",result,"variant"]`, the end of an event, as UTF-8. Thousands of events in a
 * message share a few flags and variants, so each end is encoded once and reused.
 */
const eventTails = new Map<string, Map<string, Uint8Array[]>>();
const MAX_EVENT_TAILS = 10_000;
let eventTailCount = 0;

function eventTail(flagName: string, result: boolean | null, variant: string): Uint8Array {
  let variants = eventTails.get(flagName);
  if (variants === undefined) {
    if (eventTailCount >= MAX_EVENT_TAILS) {
      eventTails.clear();
      eventTailCount = 0;
    }
    variants = new Map();
    eventTails.set(flagName, variants);
  }
  let byResult = variants.get(variant);
  if (byResult === undefined) {
    byResult = [];
    variants.set(variant, byResult);
  }
  const slot = result === null ? 2 : result ? 1 : 0;
  let tail = byResult[slot];
  if (tail === undefined) {
    tail = utf8.encode(`,${JSON.stringify(flagName)},${result},${JSON.stringify(variant)}]`);
    byResult[slot] = tail;
    eventTailCount++;
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

/** The JSON of a compressed body, or undefined when it is not gzip and base64. */
function decompress(body: string): string | undefined {
  try {
    const json = gunzipSync(Buffer.from(body, "base64"), { maxOutputLength: MAX_DECODED_BYTES });
    return json.toString("utf8");
  } catch {
    return undefined;
  }
}

/**
 * Reads a message body: v1 JSON, v2 JSON or compressed v2; `problem` says why one cannot be
 * read.
 */
export function decodeMessage(messageId: string, body: string): DecodedMessage {
  const compressed = body.startsWith(COMPRESSED_PREFIX);
  const json = compressed ? decompress(body) : body;
  if (json === undefined)
    return { problem: `body is not gzip and base64, or holds over ${MAX_DECODED_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { problem: compressed ? "compressed body is not JSON" : "body is not JSON" };
  }
  if (!isObject(value)) return { problem: "body is not a JSON object" };
  if (value.v === undefined) return decodeV1(messageId, value);
  if (value.v !== ENVELOPE_VERSION) return { problem: `unknown envelope version ${value.v}` };
  return decodeV2(value);
}
