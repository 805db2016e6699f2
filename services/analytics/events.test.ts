import { describe, expect, test } from "bun:test";
import { countByHour, type EvaluationEvent, hourOf, parseEvent } from "./events.ts";

const body = (fields: Record<string, unknown>) =>
  JSON.stringify({
    user_id: "user-1",
    flag_name: "new-dashboard",
    result: true,
    timestamp: "2026-11-26T09:15:30.250Z",
    ...fields,
  });

describe("parseEvent", () => {
  test("reads the evaluation-service's body and keys the event by its MessageId", () => {
    expect(parseEvent("m-1", body({}))).toEqual({
      event: {
        eventId: "m-1",
        userId: "user-1",
        flagName: "new-dashboard",
        result: true,
        timestamp: "2026-11-26T09:15:30.250Z",
        hour: "2026-11-26T09:00:00Z",
      },
    });
  });

  test.each([
    ["a body that is not JSON", "not json", "body is not JSON"],
    ["an array", "[1,2]", "body is not a JSON object"],
    ["null", "null", "body is not a JSON object"],
    ["a missing user_id", body({ user_id: undefined }), "'user_id'"],
    ["an empty user_id", body({ user_id: "" }), "'user_id'"],
    ["a numeric user_id", body({ user_id: 12 }), "'user_id'"],
    ["a flag_name over 1024 bytes", body({ flag_name: "ç".repeat(513) }), "'flag_name'"],
    ["a string result", body({ result: "true" }), "'result'"],
    ["a missing result", body({ result: undefined }), "'result'"],
    ["an epoch timestamp", body({ timestamp: 1_764_148_530 }), "'timestamp'"],
    ["an HTTP-date timestamp", body({ timestamp: "Thu, 26 Nov 2026 09:15:30 GMT" }), "'timestamp'"],
    ["hour 25", body({ timestamp: "2026-11-26T25:00:00Z" }), "'timestamp'"],
  ])("rejects %s", (_, text, problem) => {
    const parsed = parseEvent("m-1", text);
    expect("problem" in parsed && parsed.problem).toContain(problem);
  });
});

describe("hourOf", () => {
  test.each([
    ["2026-11-26T09:15:30Z", "2026-11-26T09:00:00Z"],
    ["2026-11-26T09:15:30.123456Z", "2026-11-26T09:00:00Z"],
    ["2026-11-26T09:15:30.123456", "2026-11-26T09:00:00Z"],
    ["2026-11-26T09:15", "2026-11-26T09:00:00Z"],
    ["2026-11-26T01:15:00+02:00", "2026-11-25T23:00:00Z"],
    ["2026-11-26T23:30:00-0130", "2026-11-27T01:00:00Z"],
  ])("%s counts in %s", (timestamp, hour) => {
    expect(hourOf(timestamp)).toBe(hour);
  });
});

describe("countByHour", () => {
  const event = (flagName: string, hour: string, result: boolean): EvaluationEvent => ({
    eventId: crypto.randomUUID(),
    userId: "u",
    flagName,
    result,
    timestamp: hour,
    hour,
  });

  test("sums results per flag and hour", () => {
    const nine = "2026-11-26T09:00:00Z";
    const ten = "2026-11-26T10:00:00Z";
    expect(
      countByHour([
        event("a", nine, true),
        event("a", nine, false),
        event("a", nine, true),
        event("a", ten, false),
        event("b", nine, true),
      ]),
    ).toEqual([
      { flagName: "a", hour: nine, trueCount: 2, falseCount: 1 },
      { flagName: "a", hour: ten, trueCount: 0, falseCount: 1 },
      { flagName: "b", hour: nine, trueCount: 1, falseCount: 0 },
    ]);
  });
});
