/** The DynamoDB store on the emulator, through the real SDK client. */
import { beforeAll, describe, expect, test } from "bun:test";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { Count } from "@togglemaster/shared/events";
import { Registry } from "@togglemaster/shared/metrics";
import { DEFAULT_RESOURCES } from "../../scripts/aws-local.ts";
import { metricValue, uniqueName, useEmulators } from "../../test/support/analytics.ts";
import { type CountedMessage, counterUpdates } from "./counters.ts";
import { DynamoEventStore } from "./store.ts";

const H08 = "2026-12-02T08:00:00Z";
const H09 = "2026-12-02T09:00:00Z";
const H10 = "2026-12-02T10:00:00Z";

const aws = useEmulators();
const metrics = new Registry();
let store: DynamoEventStore;

beforeAll(() => {
  store = new DynamoEventStore({
    dynamo: aws.clients.dynamo,
    eventsTable: DEFAULT_RESOURCES.eventsTable,
    countersTable: DEFAULT_RESOURCES.countersTable,
    metrics,
  });
});

const on = (flagName: string, hour: string, evaluations: number): Count => ({
  flagName,
  hour,
  variant: "on",
  result: true,
  evaluations,
});

const message = (producer: string, seq: number, counts: Count[]): CountedMessage => ({
  source: { producer, seq },
  counts,
});

/** Applies a batch's updates; answers how many message counts were skipped. */
async function apply(messages: CountedMessage[]): Promise<number> {
  let skipped = 0;
  for (const update of counterUpdates(messages)) skipped += await store.addCounts(update);
  return skipped;
}

const trueCounts = async (flag: string, from = H08, to = H10) =>
  Object.fromEntries(
    [...(await store.hourlyCounts(flag, from, to))].map(([hour, tally]) => [hour, tally.trueCount]),
  );

describe("counter updates", () => {
  test("a message's counts are added once, alone or among messages not yet added", async () => {
    const flag = uniqueName("once");
    expect(await apply([message("p1", 1, [on(flag, H09, 5)])])).toBe(0);
    expect(await apply([message("p1", 1, [on(flag, H09, 5)])])).toBe(1);
    // Message 1 again, now sharing one update with messages 2 and 3.
    expect(
      await apply([
        message("p1", 1, [on(flag, H09, 5)]),
        message("p1", 2, [on(flag, H09, 7)]),
        message("p1", 3, [on(flag, H09, 11)]),
      ]),
    ).toBe(1);
    expect(await trueCounts(flag)).toEqual({ [H09]: 23 });
    expect(metricValue(metrics, "analytics_dynamodb_write_units_total")).toBeGreaterThan(0);
  });

  test("v1 counts are added every time: they carry no identity", async () => {
    const flag = uniqueName("v1");
    const v1 = { source: undefined, counts: [on(flag, H09, 1)] };
    expect(await apply([v1])).toBe(0);
    expect(await apply([v1])).toBe(0);
    expect(await trueCounts(flag)).toEqual({ [H09]: 2 });
  });

  test("an hour sums its producers, their blocks and v1, and only the asked hours are read", async () => {
    const flag = uniqueName("sum");
    await apply([
      message("p1", 1, [on(flag, H08, 1), on(flag, H09, 2)]),
      message("p1", 1_000, [on(flag, H09, 4)]),
      message("p2", 1, [on(flag, H09, 8), on(flag, H10, 16)]),
      { source: undefined, counts: [on(flag, H09, 32)] },
    ]);
    expect(await trueCounts(flag)).toEqual({ [H08]: 1, [H09]: 46, [H10]: 16 });
    expect(await trueCounts(flag, H09, H09)).toEqual({ [H09]: 46 });
  });

  test("variants and boolean results are counted apart", async () => {
    const flag = uniqueName("variants");
    await apply([
      message("p1", 1, [
        { flagName: flag, hour: H09, variant: "on", result: true, evaluations: 3 },
        { flagName: flag, hour: H09, variant: "off", result: false, evaluations: 2 },
        { flagName: flag, hour: H09, variant: "ção 🎉", result: null, evaluations: 1 },
      ]),
    ]);
    const tally = (await store.hourlyCounts(flag, H09, H09)).get(H09);
    expect([
      tally?.trueCount,
      tally?.falseCount,
      Object.fromEntries(tally?.variants ?? []),
    ]).toEqual([3, 2, { on: 3, off: 2, "ção 🎉": 1 }]);
  });
});

describe("event items", () => {
  test("an event of a flag whose values are not booleans has no result attribute", async () => {
    const eventId = `${uniqueName("p")}:1:0`;
    await store.putEvents([
      {
        eventId,
        time: Date.parse("2026-12-02T09:15:00Z"),
        timestamp: "2026-12-02T09:15:00.000Z",
        userId: "user-1",
        flagName: "theme",
        result: null,
        variant: "dark",
      },
    ]);
    const { Item } = await aws.clients.dynamo.send(
      new GetItemCommand({
        TableName: DEFAULT_RESOURCES.eventsTable,
        Key: { event_id: { S: eventId } },
      }),
    );
    expect(Item).toEqual({
      event_id: { S: eventId },
      user_id: { S: "user-1" },
      flag_name: { S: "theme" },
      variant: { S: "dark" },
      timestamp: { S: "2026-12-02T09:15:00.000Z" },
    });
  });
});
