import { describe, expect, test } from "bun:test";
import { Buffer } from "node:buffer";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  decodeMessage,
  EnvelopeWriter,
  type EvaluationEvent,
  isoHour,
  MAX_ENVELOPE_BYTES,
  parseTimestamp,
} from "./events.ts";

const T0 = Date.parse("2026-12-02T17:04:05.123Z");
const event = (overrides: Partial<EvaluationEvent> = {}): EvaluationEvent => ({
  time: T0,
  userId: "user-1",
  flagName: "new-dashboard",
  result: true,
  variant: "on",
  ...overrides,
});

describe("v2 envelope", () => {
  test("what the writer writes, the reader reads: events with ids, counts as sent", () => {
    const writer = new EnvelopeWriter("p1", 7, T0);
    expect(writer.addEvent(event())).toBe(true);
    expect(
      writer.addEvent(event({ time: T0 + 250, userId: "ção 🎉", result: null, variant: "blue" })),
    ).toBe(true);
    expect(
      writer.addCount({
        flagName: "new-dashboard",
        hour: "2026-12-02T17:00:00Z",
        variant: "on",
        result: true,
        evaluations: 812,
      }),
    ).toBe(true);
    const body = writer.encode();
    expect(body).toMatch(/^H4sI[A-Za-z0-9+/]+=*$/);
    const decoded = decodeMessage("sqs-message-id", body);
    // The plain JSON reads the same.
    expect(decodeMessage("sqs-message-id", writer.toString())).toEqual(decoded);
    expect(decoded).toEqual({
      version: 2,
      producer: "p1",
      seq: 7,
      events: [
        { eventId: "p1:7:0", timestamp: "2026-12-02T17:04:05.123Z", ...event() },
        {
          eventId: "p1:7:1",
          timestamp: "2026-12-02T17:04:05.373Z",
          ...event({ time: T0 + 250, userId: "ção 🎉", result: null, variant: "blue" }),
        },
      ],
      counts: [
        {
          flagName: "new-dashboard",
          hour: "2026-12-02T17:00:00Z",
          variant: "on",
          result: true,
          evaluations: 812,
        },
      ],
    });
  });

  test("a message never exceeds its byte budget, counting multi-byte characters", () => {
    const writer = new EnvelopeWriter("p1", 1, T0, 2_000);
    let added = 0;
    while (writer.addEvent(event({ userId: `ç€🎉-${added}` }))) added++;
    expect(added).toBeGreaterThan(5);
    const bytes = new TextEncoder().encode(writer.toString()).length;
    expect(bytes).toBeLessThanOrEqual(2_000);
    // Nearly full: the next event did not fit, not an early stop.
    expect(bytes).toBeGreaterThan(2_000 - 80);
  });

  test("a budget is never overrun by a single byte, whatever it is", () => {
    for (let budget = 500; budget < 600; budget++) {
      const writer = new EnvelopeWriter("p1", 1, T0, budget);
      for (
        let index = 0;
        writer.addEvent(event({ time: T0 + index, userId: `u${index}` }));
        index++
      );
      expect(writer.byteLength).toBeLessThanOrEqual(budget);
      expect(new TextEncoder().encode(writer.toString()).length).toBe(writer.byteLength);
    }
  });

  test("its size is exact whatever it holds: plain and escaped ids, earlier times, counts", () => {
    const writer = new EnvelopeWriter("p1", 1, T0, 4_000);
    const added = [
      event({ userId: "plain-user_1.2@x" }),
      event({ time: T0 - 1_234, userId: 'quote " and \\ back', result: null, variant: "ç" }),
      event({ time: T0 + 99_999, userId: "tab\there", result: false, variant: "off" }),
    ];
    for (const item of added) {
      expect(writer.addEvent(item)).toBe(true);
      expect(writer.byteLength).toBe(new TextEncoder().encode(writer.toString()).length);
    }
    const count = {
      flagName: "ção",
      hour: "2026-12-02T17:00:00Z",
      variant: "on",
      result: true,
      evaluations: 3,
    };
    expect(writer.addCount(count)).toBe(true);
    expect(writer.addCount({ ...count, variant: "off", result: false })).toBe(true);
    expect(writer.byteLength).toBe(new TextEncoder().encode(writer.toString()).length);
    const decoded = decodeMessage("m", writer.encode());
    expect(
      "events" in decoded && decoded.events.map(({ eventId, timestamp, ...rest }) => rest),
    ).toEqual(added);
  });

  test("a full message compresses to about one billed SQS request, and never past SQS's limit", () => {
    const typical = new EnvelopeWriter("p1", 1, T0);
    for (
      let index = 0;
      typical.addEvent(event({ time: T0 + index, userId: `user-${index * 7919}` }));
    )
      index++;
    expect(typical.byteLength).toBeGreaterThan(MAX_ENVELOPE_BYTES - 100);
    expect(typical.encode().length).toBeLessThanOrEqual(64 * 1024);
    // Random user ids, the least compressible kind.
    const random = new EnvelopeWriter("p1", 1, T0);
    while (random.addEvent(event({ userId: crypto.randomUUID().repeat(7) })));
    expect(random.encode().length).toBeLessThanOrEqual(256 * 1024);
  });

  test("a message compressed a part at a time as it fills reads back whole", () => {
    const writer = new EnvelopeWriter("p1", 1, T0);
    // Every 500 events are more than the 16 KiB a part needs, so each call makes a part.
    let parts = 0;
    for (let index = 0; writer.addEvent(event({ userId: `user-${index * 7919}` })); index++)
      if (index % 500 === 499) {
        writer.compressAdded();
        parts++;
      }
    const body = writer.encode();
    expect(parts).toBeGreaterThan(4);
    // Each part is a gzip member of its own: its magic number shows once per part and once more.
    const bytes = Buffer.from(body, "base64");
    const members = bytes.reduce(
      (found, byte, at) =>
        found + (byte === 0x1f && bytes[at + 1] === 0x8b && bytes[at + 2] === 8 ? 1 : 0),
      0,
    );
    expect(members).toBeGreaterThanOrEqual(parts + 1);
    expect(gunzipSync(bytes).toString()).toBe(writer.toString());
    const decoded = decodeMessage("m", body);
    expect("events" in decoded && decoded.events.length).toBe(writer.eventCount);
    // About 2 % larger than one member, and never more than 5 %.
    expect(body.length).toBeLessThan(
      gzipSync(Buffer.from(writer.toString()), { level: 1 }).toString("base64").length * 1.05,
    );
  });

  test("characters SQS refuses in a body (U+FFFE, U+FFFF) travel inside the base64 unchanged", () => {
    const writer = new EnvelopeWriter("p1", 1, T0);
    writer.addEvent(event({ userId: "a\uFFFEb\uFFFF" }));
    const body = writer.encode();
    expect(body).toMatch(/^[A-Za-z0-9+/=]+$/);
    const decoded = decodeMessage("m", body);
    expect("events" in decoded && decoded.events[0]?.userId).toBe("a\uFFFEb\uFFFF");
  });

  test("a compressed body that is not gzip, or expands past 4 MiB, is a problem, not a crash", () => {
    expect(decodeMessage("m", "H4sIbroken")).toEqual({
      problem: expect.stringContaining("not gzip and base64"),
    });
    const bomb = Buffer.from(Bun.gzipSync(" ".repeat(5 * 1024 * 1024))).toString("base64");
    expect(decodeMessage("m", bomb)).toEqual({ problem: expect.stringContaining("4194304") });
    const notJson = Buffer.from(Bun.gzipSync("not json")).toString("base64");
    expect(decodeMessage("m", notJson)).toEqual({ problem: "compressed body is not JSON" });
  });

  test.each([
    ["an unknown version", { v: 3 }, "unknown envelope version 3"],
    ["a producer with spaces", { producer: "a b" }, "'producer'"],
    ["seq 0", { seq: 0 }, "'seq'"],
    ["a fractional t", { t: 1.5 }, "'t'"],
    ["events not an array", { events: {} }, "'events'"],
    ["an event with 4 fields", { events: [[0, "u", "f", true]] }, "events[0]"],
    [
      "an event with a user id over 256 characters",
      { events: [[0, "u".repeat(257), "f", true, "on"]] },
      "events[0]",
    ],
    ["an event with a string result", { events: [[0, "u", "f", "true", "on"]] }, "events[0]"],
    ["a count of zero", { counts: [["f", "2026-12-02T17:00:00Z", "on", true, 0]] }, "counts[0]"],
    [
      "a count with a minute in its hour",
      { counts: [["f", "2026-12-02T17:05:00Z", "on", true, 1]] },
      "counts[0]",
    ],
  ])("rejects %s", (_, fields, problem) => {
    const body = JSON.stringify({
      v: 2,
      producer: "p1",
      seq: 1,
      t: T0,
      events: [],
      counts: [],
      ...fields,
    });
    const decoded = decodeMessage("m", body);
    expect("problem" in decoded && decoded.problem).toContain(problem);
  });
});

describe("v1 message", () => {
  const v1 = (fields: Record<string, unknown> = {}) =>
    JSON.stringify({
      user_id: "user-1",
      flag_name: "new-dashboard",
      result: true,
      timestamp: "2026-11-26T09:15:30.250Z",
      ...fields,
    });

  test("one event keyed by the MessageId, counted once, timestamp kept as sent", () => {
    expect(decodeMessage("m-1", v1())).toEqual({
      version: 1,
      events: [
        {
          eventId: "m-1",
          time: Date.parse("2026-11-26T09:15:30.250Z"),
          timestamp: "2026-11-26T09:15:30.250Z",
          userId: "user-1",
          flagName: "new-dashboard",
          result: true,
          variant: "on",
        },
      ],
      counts: [
        {
          flagName: "new-dashboard",
          hour: "2026-11-26T09:00:00Z",
          variant: "on",
          result: true,
          evaluations: 1,
        },
      ],
    });
  });

  test.each([
    ["a body that is not JSON", "not json", "body is not JSON"],
    ["an array", "[1,2]", "body is not a JSON object"],
    ["a missing user_id", v1({ user_id: undefined }), "'user_id'"],
    ["a user_id over 256 characters", v1({ user_id: "u".repeat(257) }), "'user_id'"],
    ["a flag_name over 100 characters", v1({ flag_name: "f".repeat(101) }), "'flag_name'"],
    ["a string result", v1({ result: "true" }), "'result'"],
    ["an epoch timestamp", v1({ timestamp: 1_764_148_530 }), "'timestamp'"],
    ["an HTTP-date timestamp", v1({ timestamp: "Thu, 26 Nov 2026 09:15:30 GMT" }), "'timestamp'"],
    ["hour 25", v1({ timestamp: "2026-11-26T25:00:00Z" }), "'timestamp'"],
  ])("rejects %s", (_, body, problem) => {
    const decoded = decodeMessage("m-1", body);
    expect("problem" in decoded && decoded.problem).toContain(problem);
  });
});

describe("time", () => {
  test.each([
    ["2026-11-26T09:15:30Z", "2026-11-26T09:15:30.000Z"],
    ["2026-11-26T09:15:30.123456Z", "2026-11-26T09:15:30.123Z"],
    ["2026-11-26T09:15:30.5", "2026-11-26T09:15:30.500Z"],
    ["2026-11-26T09:15", "2026-11-26T09:15:00.000Z"],
    ["2026-11-26T09:15:30+02:00", "2026-11-26T07:15:30.000Z"],
    ["2026-11-26T09:15:30-0330", "2026-11-26T12:45:30.000Z"],
  ])("parseTimestamp(%s)", (text, iso) => {
    expect(new Date(parseTimestamp(text) as number).toISOString()).toBe(iso);
  });

  test.each([
    ["2026-11-26T09:00:00.000Z", "2026-11-26T09:00:00Z"],
    ["2026-11-26T09:16:00.000Z", "2026-11-26T09:00:00Z"],
    ["2026-11-26T09:59:59.999Z", "2026-11-26T09:00:00Z"],
    ["2026-11-26T10:00:00.000Z", "2026-11-26T10:00:00Z"],
    ["2026-12-31T23:47:00.000Z", "2026-12-31T23:00:00Z"],
  ])("isoHour(%s) is %s", (iso, hour) => {
    expect(isoHour(Date.parse(iso))).toBe(hour);
  });
});
