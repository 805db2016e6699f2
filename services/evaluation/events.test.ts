/**
 * The publisher's rules, driven by a fake clock against a fake queue that keeps what it is
 * sent: batching, exact counts, drop-oldest, retries that keep a message's identity,
 * backoff and shutdown. (events.sqs.test.ts runs the real SDK against the SQS emulator.)
 */
import { describe, expect, test } from "bun:test";
import type { SendMessageBatchCommand, SendMessageBatchCommandOutput } from "@aws-sdk/client-sqs";
import { type Count, decodeMessage, type StoredEvent } from "@togglemaster/shared/events";
import { Registry } from "@togglemaster/shared/metrics";
import { FakeClock } from "../../test/support/clock.ts";
import { memoryLogger } from "../../test/support/testing.ts";
import { EventPublisher, type EventPublisherOptions } from "./events.ts";

/** Accept all, throw (a network failure), or fail some entries ("all", or by id). */
type Outcome = "accept" | "fail" | { failIds: string[] | "all"; senderFault: boolean };

/** Keeps every batch it is sent; `next` says how the following calls go. */
class FakeQueue {
  readonly calls: { at: number; bodies: string[]; ids: string[] }[] = [];
  readonly accepted: string[] = [];
  next: Outcome[] = [];
  otherwise: Outcome = "accept";
  /** How long a call takes to answer. */
  latencyMs = 0;

  constructor(private readonly clock: FakeClock) {}

  send = async (command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput> => {
    const entries = command.input.Entries ?? [];
    this.calls.push({
      at: this.clock.now(),
      bodies: entries.map((entry) => entry.MessageBody ?? ""),
      ids: entries.map((entry) => entry.Id ?? ""),
    });
    const outcome = this.next.shift() ?? this.otherwise;
    if (this.latencyMs > 0)
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.latencyMs));
    if (outcome === "fail") throw new Error("connect ECONNREFUSED");
    const ids = entries.map((entry) => entry.Id ?? "");
    const failed = outcome === "accept" ? [] : outcome.failIds === "all" ? ids : outcome.failIds;
    for (const entry of entries)
      if (!failed.includes(entry.Id ?? "")) this.accepted.push(entry.MessageBody ?? "");
    return {
      Successful: [],
      Failed: failed.map((Id) => ({
        Id,
        SenderFault: typeof outcome === "object" && outcome.senderFault,
        Code: "InternalError",
      })),
      $metadata: {},
    };
  };

  destroy = () => {};

  /** Every event and count of the accepted messages, decoded with the shared codec. */
  delivered() {
    const events: StoredEvent[] = [];
    const counts: Count[] = [];
    for (const body of this.accepted) {
      const message = decodeMessage("unused", body);
      if ("problem" in message) throw new Error(message.problem);
      events.push(...message.events);
      counts.push(...message.counts);
    }
    return { events, counts };
  }
}

function setup(options: Partial<EventPublisherOptions> = {}) {
  const clock = new FakeClock(Date.parse("2026-12-02T17:10:00Z"));
  const queue = new FakeQueue(clock);
  const metrics = new Registry();
  const logger = memoryLogger("evaluation");
  const publisher = new EventPublisher({
    sqs: queue as unknown as EventPublisherOptions["sqs"],
    queueUrl: "http://queue",
    logger,
    metrics,
    clock,
    producer: "p1",
    ...options,
  });
  const metric = (name: string) =>
    Number(
      / (\d+)$/.exec(
        metrics
          .render()
          .split("\n")
          .find((line) => line.startsWith(`${name} `)) ?? "",
      )?.[1] ?? 0,
    );
  return { clock, queue, publisher, metric, logger };
}

const evaluation = (index: number) =>
  [
    `user-${index}`,
    index % 3 === 0 ? "checkout" : "search",
    index % 2 === 0,
    index % 2 === 0 ? "on" : "off",
  ] as const;

const sumCounts = (counts: Count[]) => {
  const sums: Record<string, number> = {};
  for (const count of counts) {
    const key = `${count.flagName}|${count.hour}|${count.variant}`;
    sums[key] = (sums[key] ?? 0) + count.evaluations;
  }
  return sums;
};

describe("batching", () => {
  test("events wait at most the flush interval, then go as one message with their ids", async () => {
    const { clock, queue, publisher } = setup({ flushIntervalMs: 1_000 });
    publisher.record("ana", "checkout", true, "on");
    await clock.advance(500);
    publisher.record("bia", "checkout", false, "off");
    await clock.advance(499);
    expect(queue.calls).toHaveLength(0);
    await clock.advance(1);
    expect(queue.calls).toHaveLength(1);
    const { events } = queue.delivered();
    expect(
      events.map(({ eventId, userId, result, variant }) => ({ eventId, userId, result, variant })),
    ).toEqual([
      { eventId: "p1:1:0", userId: "ana", result: true, variant: "on" },
      { eventId: "p1:1:1", userId: "bia", result: false, variant: "off" },
    ]);
    expect(events[1]?.time).toBe(Date.parse("2026-12-02T17:10:00.500Z"));
  });

  test("10,000 evaluations: at most 10 SendMessageBatch calls, every event once, counts exact", async () => {
    const { clock, queue, publisher, metric } = setup({ countsIntervalMs: 10_000 });
    for (let index = 0; index < 10_000; index++) {
      publisher.record(...evaluation(index));
      if (index % 1_000 === 999) await clock.advance(100);
    }
    await clock.advance(10_000);
    expect(queue.calls.length).toBeGreaterThan(0);
    expect(queue.calls.length).toBeLessThanOrEqual(10);
    const { events, counts } = queue.delivered();
    expect(new Set(events.map((event) => event.userId)).size).toBe(10_000);
    expect(sumCounts(counts)).toEqual({
      "checkout|2026-12-02T17:00:00Z|on": 1_667,
      "checkout|2026-12-02T17:00:00Z|off": 1_667,
      "search|2026-12-02T17:00:00Z|on": 3_333,
      "search|2026-12-02T17:00:00Z|off": 3_333,
    });
    expect(metric("evaluation_events_sent_total")).toBe(10_000);
    expect(metric("evaluation_events_send_calls_total")).toBe(queue.calls.length);
    for (const call of queue.calls) {
      const bytes = call.bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
      expect(bytes).toBeLessThanOrEqual(128 * 1024);
      for (const body of call.bodies)
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(64 * 1024);
    }
  });

  test("small messages share a call: one call's fixed cost carries many of them", async () => {
    const { clock, queue, publisher } = setup({ countsIntervalMs: 60_000 });
    for (let index = 0; index < 40_000; index++)
      publisher.record(`u${index % 100}`, "checkout", true, "on");
    await clock.advance(999);
    expect(queue.calls).toHaveLength(0);
    await clock.advance(1);
    expect(queue.calls).toHaveLength(1);
    expect(queue.calls[0]?.bodies.length).toBeGreaterThanOrEqual(5);
    expect(queue.delivered().events).toHaveLength(40_000);
  });

  test("counts change hour with the evaluations they count", async () => {
    const { clock, queue, publisher } = setup({ countsIntervalMs: 1_000 });
    await clock.advance(Date.parse("2026-12-02T17:59:59.900Z") - clock.now());
    publisher.record("ana", "checkout", true, "on");
    await clock.advance(200);
    publisher.record("bia", "checkout", true, "on");
    publisher.record("carla", "checkout", true, "on");
    await clock.advance(2_000);
    expect(sumCounts(queue.delivered().counts)).toEqual({
      "checkout|2026-12-02T17:00:00Z|on": 1,
      "checkout|2026-12-02T18:00:00Z|on": 2,
    });
  });
});

describe("when SQS is away", () => {
  test("a full buffer drops the oldest events, keeps the newest, and still counts them all", async () => {
    const { clock, queue, publisher, metric } = setup({ capacity: 50 });
    queue.otherwise = "fail";
    for (let index = 0; index < 200; index++) {
      publisher.record(`user-${index}`, "checkout", true, "on");
      if (index % 20 === 19) await clock.advance(300);
    }
    queue.otherwise = "accept";
    await clock.advance(20_000);
    const { events, counts } = queue.delivered();
    const users = events.map((event) => Number(event.userId.slice("user-".length)));
    // The message sealed when SQS went away is retried until it is sent; of what was
    // recorded after it, only the newest 50 remain.
    const firstMessage = decodeMessage("m", queue.calls[0]?.bodies[0] ?? "");
    if ("problem" in firstMessage) throw new Error(firstMessage.problem);
    const sealed = firstMessage.events.length;
    expect(sealed).toBeGreaterThan(0);
    expect(users.slice(sealed)).toEqual(Array.from({ length: 50 }, (_, index) => 150 + index));
    expect(metric("evaluation_events_dropped_total")).toBe(200 - users.length);
    expect(sumCounts(counts)).toEqual({ "checkout|2026-12-02T17:00:00Z|on": 200 });
  });

  test("the buffer grows with what waits, keeping order, and drops the oldest at capacity", async () => {
    const { clock, queue, publisher, metric } = setup({ capacity: 1_500 });
    queue.otherwise = "fail";
    for (let index = 0; index < 2_600; index++) {
      publisher.record(`user-${index}`, "checkout", true, "on");
      // The first 600 leave the buffer for a message that fails and waits to be retried:
      // the buffer's start has moved when it grows.
      if (index === 599) await clock.advance(1_000);
    }
    queue.otherwise = "accept";
    await clock.advance(20_000);
    const users = queue.delivered().events.map((event) => Number(event.userId.slice(5)));
    expect(users).toEqual([
      ...Array.from({ length: 600 }, (_, index) => index),
      ...Array.from({ length: 1_500 }, (_, index) => 1_100 + index),
    ]);
    expect(metric("evaluation_events_dropped_total")).toBe(500);
  });

  test("however long SQS stays away, what waits is the buffer and what was sealed before", async () => {
    const { clock, queue, publisher, metric } = setup({ capacity: 100 });
    queue.otherwise = "fail";
    queue.latencyMs = 300;
    for (let index = 0; index < 50; index++)
      publisher.record(`first-${index}`, "search", true, "on");
    await clock.advance(1_000);
    expect(queue.calls).toHaveLength(1);
    // A minute of retries (each one a moment with no message waiting) while events keep coming.
    for (let second = 0; second < 60; second++) {
      for (let index = 0; index < 100; index++)
        publisher.record(`late-${second}-${index}`, "search", true, "on");
      await clock.advance(1_000);
      expect(metric("evaluation_events_buffered")).toBe(150);
    }
    expect(queue.calls.length).toBeGreaterThan(10);
    queue.otherwise = "accept";
    await clock.advance(20_000);
    const users = queue.delivered().events.map((event) => event.userId);
    expect(users).toEqual([
      ...Array.from({ length: 50 }, (_, index) => `first-${index}`),
      ...Array.from({ length: 100 }, (_, index) => `late-59-${index}`),
    ]);
    expect(metric("evaluation_events_dropped_total")).toBe(6_000 - 100);
  });

  test("a failed call is retried with the same messages, after a growing pause", async () => {
    const { clock, queue, publisher } = setup();
    queue.next = ["fail", "fail", "fail"];
    publisher.record("ana", "checkout", true, "on");
    await clock.advance(10_000);
    expect(queue.calls.length).toBeGreaterThanOrEqual(4);
    const [first, ...retries] = queue.calls;
    for (const retry of retries.slice(0, 3)) expect(retry.bodies).toEqual(first?.bodies ?? []);
    const pauses = queue.calls
      .slice(1, 4)
      .map((call, index) => call.at - (queue.calls[index]?.at ?? 0));
    expect(pauses[0]).toBeGreaterThanOrEqual(100);
    expect(pauses[1]).toBeGreaterThanOrEqual(2 * (pauses[0] ?? 0));
    expect(pauses[2]).toBeGreaterThanOrEqual(2 * (pauses[1] ?? 0));
    expect(queue.delivered().events.map((event) => event.eventId)).toEqual(["p1:1:0"]);
  });

  test("an entry SQS failed on its side is sent again as it was; one it refused is dropped", async () => {
    const { clock, queue, publisher, metric, logger } = setup({ countsIntervalMs: 60_000 });
    for (let index = 0; index < 6_000; index++)
      publisher.record(`user-${index}`, "checkout", true, "on");
    queue.next = [{ failIds: ["1"], senderFault: false }];
    await clock.advance(3_000);
    const [first, second] = queue.calls;
    expect(second?.ids).toContain("1");
    expect(second?.bodies[second.ids.indexOf("1")]).toBe(first?.bodies[0] ?? "missing");
    expect(queue.delivered().events).toHaveLength(6_000);

    queue.next = [{ failIds: "all", senderFault: true }];
    for (let index = 0; index < 10; index++)
      publisher.record(`late-${index}`, "checkout", true, "on");
    await clock.advance(3_000);
    expect(metric("evaluation_events_dropped_total")).toBe(10);
    logger.flush();
    expect(logger.lines.some((line) => line.includes("event message refused by SQS"))).toBe(true);
  });
});

describe("close", () => {
  test("sends the buffered events and the counts before it resolves", async () => {
    const { clock, queue, publisher } = setup({
      flushIntervalMs: 60_000,
      countsIntervalMs: 60_000,
    });
    for (let index = 0; index < 25; index++)
      publisher.record(`last-${index}`, "search", false, "off");
    const closed = publisher.close();
    await clock.advance(100);
    await closed;
    const { events, counts } = queue.delivered();
    expect(events).toHaveLength(25);
    expect(sumCounts(counts)).toEqual({ "search|2026-12-02T17:00:00Z|off": 25 });
  });

  test("gives up at its deadline when SQS is down, and says what was lost", async () => {
    const { clock, queue, publisher, metric, logger } = setup({ closeTimeoutMs: 1_000 });
    queue.otherwise = "fail";
    for (let index = 0; index < 5; index++) publisher.record(`lost-${index}`, "search", true, "on");
    const closed = publisher.close();
    await clock.advance(2_000);
    await closed;
    expect(metric("evaluation_events_dropped_total")).toBe(5);
    logger.flush();
    const line = logger.lines.find((text) => text.includes("events not sent at shutdown"));
    expect(line && JSON.parse(line)).toMatchObject({ events: 5, evaluations_uncounted: 5 });
    publisher.record("after", "search", true, "on");
    await clock.advance(10_000);
    expect(queue.accepted).toHaveLength(0);
  });
});
