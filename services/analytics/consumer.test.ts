/**
 * The consumer's rules, driven by a fake clock through a fake queue and a fake store (the
 * real SQS and DynamoDB are exercised in pipeline.test.ts).
 */
import { describe, expect, test } from "bun:test";
import { EnvelopeWriter } from "@togglemaster/shared/events";
import { Registry } from "@togglemaster/shared/metrics";
import {
  FakeQueue,
  FakeStore,
  type Journal,
  metricValue,
  type V1Event,
} from "../../test/support/analytics.ts";
import { FakeClock, settle } from "../../test/support/clock.ts";
import { memoryLogger } from "../../test/support/testing.ts";
import { Consumer, type ConsumerTuning } from "./consumer.ts";
import type { ItemPolicy } from "./items.ts";

const FLUSH_DELAY_MS = 1_000;
const T0 = Date.parse("2026-12-02T17:20:00Z");

function consumer({
  tuning = {},
  itemPolicy,
  onWork = () => {},
}: {
  tuning?: Partial<ConsumerTuning>;
  itemPolicy?: ItemPolicy;
  onWork?: () => void;
} = {}) {
  const clock = new FakeClock(T0);
  const journal: Journal = [];
  const queue = new FakeQueue(journal);
  const store = new FakeStore(journal);
  const logger = memoryLogger("analytics");
  const metrics = new Registry();
  const running = new Consumer({
    queue,
    store,
    itemPolicy,
    logger,
    metrics,
    clock,
    tuning: { pollers: 1, flushDelayMs: FLUSH_DELAY_MS, ...tuning },
    onWork,
  });
  running.start();
  return {
    clock,
    journal,
    queue,
    store,
    logger,
    consumer: running,
    metric: (name: string) => metricValue(metrics, name),
  };
}

const v1 = (timestamp: string, result = true, flag = "checkout"): string =>
  JSON.stringify({
    user_id: "user-1",
    flag_name: flag,
    result,
    timestamp,
  } satisfies V1Event);

const envelope = (producer: string, seq: number, results: boolean[]) => {
  const writer = new EnvelopeWriter(producer, seq, T0);
  for (const [index, result] of results.entries())
    writer.addEvent({
      time: T0 + index,
      userId: `user-${index}`,
      flagName: "checkout",
      result,
      variant: result ? "on" : "off",
    });
  for (const result of [true, false]) {
    const evaluations = results.filter((each) => each === result).length;
    if (evaluations > 0)
      writer.addCount({
        flagName: "checkout",
        hour: "2026-12-02T17:00:00Z",
        variant: result ? "on" : "off",
        result,
        evaluations,
      });
  }
  return writer.toString();
};

describe("store, then delete", () => {
  test("a message is deleted only after its items are written and its counts added", async () => {
    const { clock, journal, queue } = consumer();
    await settle();
    queue.deliver(v1("2026-12-02T17:05:00Z"), "m-1");
    await clock.advance(FLUSH_DELAY_MS - 1);
    expect(journal).toEqual([]);

    await clock.advance(1);
    expect(journal).toEqual(["put m-1", "count checkout 2026-12-02T17:00:00Z#v1", "delete m-1"]);
  });

  test("a store failure leaves the message undeleted, and polling pauses until DynamoDB is back", async () => {
    const { clock, queue, store, consumer: running, metric } = consumer();
    await settle();
    store.down = true;
    queue.deliver(v1("2026-12-02T17:05:00Z"), "m-1");
    await clock.advance(60_000);
    expect(queue.deleted()).toEqual([]);
    expect(store.items).toEqual([]);
    expect(running.health().storeReachable).toBe(false);
    expect(metric("analytics_dynamodb_write_failures_total")).toBeGreaterThan(3);
    // The long poll under way when DynamoDB failed takes one more message; then none.
    queue.deliver(v1("2026-12-02T17:06:00Z"), "m-2");
    await clock.advance(1_000);
    queue.deliver(v1("2026-12-02T17:07:00Z"), "m-3");
    await clock.advance(60_000);
    expect(metric("analytics_messages_received_total")).toBe(2);
    expect(queue.waiting).toBe(1);
    expect(metric("analytics_pending_messages")).toBe(2);

    store.down = false;
    await clock.advance(10_000);
    expect(store.items.map((event) => event.eventId)).toEqual(["m-1", "m-2", "m-3"]);
    expect(queue.deleted()).toEqual(["m-1", "m-2", "m-3"]);
    expect(metric("analytics_pending_messages")).toBe(0);
    expect(running.health().storeReachable).toBe(true);
  });

  test("a retried batch repeats only the writes that failed", async () => {
    const { clock, journal, queue, store } = consumer();
    await settle();
    store.countsDown = true;
    queue.deliver(v1("2026-12-02T17:05:00Z"), "m-1");
    await clock.advance(30_000);
    expect(journal).toEqual(["put m-1"]);

    store.countsDown = false;
    await clock.advance(10_000);
    expect(journal).toEqual(["put m-1", "count checkout 2026-12-02T17:00:00Z#v1", "delete m-1"]);
  });
});

test("the first messages received are the consumer's first work, signalled once", async () => {
  let signals = 0;
  const { clock, queue } = consumer({ onWork: () => signals++ });
  // The first receive returns at once, empty; then a long poll ends empty.
  await clock.advance(30_000);
  expect(signals).toBe(0);
  queue.deliver(v1("2026-12-02T17:05:00Z"), "m-1");
  await clock.advance(1_000);
  expect(signals).toBe(1);
  queue.deliver(v1("2026-12-02T17:06:00Z"), "m-2");
  await clock.advance(1_000);
  expect(signals).toBe(1);
});

describe("invalid messages", () => {
  test("are never deleted, however often they come, and never stop the valid ones", async () => {
    const { clock, queue, store, logger, metric } = consumer();
    await settle();
    const invalid = [
      "not json {",
      JSON.stringify({ user_id: "u1", flag_name: "checkout", timestamp: "2026-12-02T17:00:00Z" }),
      JSON.stringify({ v: 3, events: [] }),
      // More variants of one flag in one hour than one counter write can name.
      JSON.stringify({
        v: 2,
        producer: "p1",
        seq: 1,
        t: T0,
        events: [],
        counts: Array.from({ length: 101 }, (_, index) => [
          "checkout",
          "2026-12-02T17:00:00Z",
          `v${index}`,
          null,
          1,
        ]),
      }),
      JSON.stringify({
        v: 2,
        producer: "p1",
        seq: 1,
        t: 9e15,
        events: [[0, "u", "f", true, "on"]],
        counts: [],
      }),
    ];
    for (let delivery = 0; delivery < 3; delivery++)
      for (const [index, body] of invalid.entries()) queue.deliver(body, `bad-${index}`);
    queue.deliver(v1("2026-12-02T17:05:00Z"), "good");
    await clock.advance(FLUSH_DELAY_MS * 5);

    expect(queue.deleted()).toEqual(["good"]);
    expect(store.items.map((event) => event.eventId)).toEqual(["good"]);
    expect(metric("analytics_messages_invalid_total")).toBe(invalid.length * 3);
    logger.flush();
    expect(logger.lines.filter((line) => line.includes("invalid message left")).length).toBe(
      invalid.length * 3,
    );
  });
});

describe("a message delivered twice into one batch", () => {
  test("v1: one item and one count, and both copies deleted", async () => {
    const { clock, queue, store } = consumer();
    await settle();
    queue.deliver(v1("2026-12-02T17:05:00Z", true), "m-1");
    queue.deliver(v1("2026-12-02T17:05:00Z", true), "m-1");
    await clock.advance(FLUSH_DELAY_MS);

    expect(store.items.map((event) => event.eventId)).toEqual(["m-1"]);
    expect(store.resultsByHour("checkout")).toEqual({ "2026-12-02T17:00:00Z": [1, 0] });
    expect(queue.deleted()).toEqual(["m-1", "m-1"]);
  });

  test("v2: the same producer and number is one message, whatever its MessageId", async () => {
    const { clock, queue, store } = consumer();
    await settle();
    const body = envelope("p1", 7, [true, true, false]);
    queue.deliver(body, "sqs-a");
    queue.deliver(body, "sqs-b");
    await clock.advance(FLUSH_DELAY_MS);

    expect(store.items.map((event) => event.eventId)).toEqual(["p1:7:0", "p1:7:1", "p1:7:2"]);
    expect(store.updates.map((update) => update.seqs)).toEqual([[7]]);
    expect(store.resultsByHour("checkout")).toEqual({ "2026-12-02T17:00:00Z": [2, 1] });
  });
});

describe("hour buckets", () => {
  test("every minute of an hour counts in that hour, in UTC", async () => {
    const { clock, queue, store } = consumer();
    await settle();
    const seventeen = [
      "2026-12-02T17:00:00.000Z",
      "2026-12-02T17:15:59.999Z",
      "2026-12-02T17:16:00Z",
      "2026-12-02T17:31:00Z",
      "2026-12-02T17:45:30Z",
      "2026-12-02T17:59:59.999Z",
      "2026-12-02T14:44:00-03:00",
      "2026-12-02T17:52",
    ];
    const others = [
      "2026-12-02T16:59:59.999Z",
      "2026-12-02T18:00:00Z",
      "2026-12-02T20:01:00+02:00",
    ];
    for (const [index, timestamp] of [...seventeen, ...others].entries())
      queue.deliver(v1(timestamp, index % 2 === 0), `m-${index}`);
    await clock.advance(FLUSH_DELAY_MS);

    expect(store.resultsByHour("checkout")).toEqual({
      "2026-12-02T16:00:00Z": [1, 0],
      "2026-12-02T17:00:00Z": [4, 4],
      "2026-12-02T18:00:00Z": [1, 1],
    });
  });
});

describe("event items", () => {
  test("a flag kept as counters only stores no item and still counts every evaluation", async () => {
    const { clock, queue, store, metric } = consumer({
      itemPolicy: { mode: "all", sampleRate: 0, byFlag: new Map([["checkout", "none"]]) },
    });
    await settle();
    queue.deliver(envelope("p1", 1, [true, false, false]), "m-1");
    queue.deliver(v1("2026-12-02T17:05:00Z", true, "search"), "m-2");
    await clock.advance(FLUSH_DELAY_MS);

    expect(store.items.map((event) => event.eventId)).toEqual(["m-2"]);
    expect(store.resultsByHour("checkout")).toEqual({ "2026-12-02T17:00:00Z": [1, 2] });
    expect(metric("analytics_events_not_kept_total")).toBe(3);
    expect(queue.deleted()).toEqual(["m-1", "m-2"]);
  });
});

describe("batching", () => {
  test("messages arriving within the delay share one batch and one counter write", async () => {
    const { clock, queue, store } = consumer();
    await settle();
    for (let seq = 1; seq <= 5; seq++) {
      queue.deliver(envelope("p1", seq, [true, false]), `m-${seq}`);
      await clock.advance(100);
    }
    await clock.advance(FLUSH_DELAY_MS);
    expect(store.updates.map((update) => update.seqs)).toEqual([[1, 2, 3, 4, 5]]);
  });

  test("a batch holding enough items is stored without waiting", async () => {
    const { clock, queue, store } = consumer({ tuning: { flushItems: 4 } });
    await settle();
    queue.deliver(envelope("p1", 1, [true, false, true, true]), "m-1");
    await clock.advance(0);
    expect(store.items).toHaveLength(4);
  });
});

describe("close()", () => {
  test("stores then deletes what was received, without waiting for the batch delay", async () => {
    const {
      clock,
      journal,
      queue,
      consumer: running,
    } = consumer({
      tuning: { flushDelayMs: 60_000 },
    });
    await settle();
    queue.deliver(v1("2026-12-02T17:05:00Z"), "m-1");
    await settle();
    await running.close();
    expect(journal).toEqual(["put m-1", "count checkout 2026-12-02T17:00:00Z#v1", "delete m-1"]);
    expect(clock.pendingTimers).toBe(0);
  });

  test("gives up at its deadline while DynamoDB is down, deleting nothing", async () => {
    const {
      clock,
      queue,
      store,
      logger,
      metric,
      consumer: running,
    } = consumer({
      tuning: { closeTimeoutMs: 5_000 },
    });
    await settle();
    store.down = true;
    queue.deliver(v1("2026-12-02T17:05:00Z"), "m-1");
    await settle();
    let closed = false;
    const closing = running.close().then(() => {
      closed = true;
    });
    await clock.advance(1_000);
    expect(closed).toBe(false);
    await clock.advance(4_000);
    expect(closed).toBe(true);
    await closing;
    expect(metric("analytics_dynamodb_write_failures_total")).toBeGreaterThanOrEqual(5);
    expect(queue.deleted()).toEqual([]);
    logger.flush();
    expect(logger.lines.some((line) => line.includes("stopped with messages not stored"))).toBe(
      true,
    );
  });
});
