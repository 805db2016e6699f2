/**
 * Events through the real SDK client to the SQS emulator, from evaluations made over HTTP.
 * (events.test.ts covers the publisher's rules with a fake clock.)
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { type Count, decodeMessage, type StoredEvent } from "@togglemaster/shared/events";
import {
  createQueue,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startSqsEmulator,
} from "../../scripts/aws-local.ts";
import {
  type DataServices,
  evaluate,
  metricValue,
  startDataServices,
  startEvaluation,
} from "../../test/support/evaluation.ts";
import { backendsFor } from "../../test/support/testing.ts";

let stack: DataServices;
let sqs: Awaited<ReturnType<typeof startSqsEmulator>>;

const backends = await backendsFor("events.sqs.test.ts: it runs auth, flag and targeting");

describe.skipIf(!backends)("events through SQS (PostgreSQL and Redis)", () => {
  const client = (endpoint = sqs.endpoint) =>
    new SQSClient({
      region: LOCAL_REGION,
      endpoint,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 500, requestTimeout: 2_000 },
    });

  beforeAll(async () => {
    [stack, sqs] = await Promise.all([startDataServices(), startSqsEmulator()]);
    await Promise.all([stack.createFlag("events-on"), stack.createFlag("events-off", false)]);
  });

  afterAll(async () => {
    await Promise.all([stack.stop(), sqs.stop()]);
  });

  /** An evaluation service publishing to a queue of its own through a client counting its calls. */
  async function startWithQueue(env: Record<string, string> = {}) {
    const { queueUrl } = await createQueue(
      sqs.endpoint,
      `events-${crypto.randomUUID().slice(0, 8)}`,
    );
    const publisherClient = client();
    const calls = { send: 0 };
    publisherClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "SendMessageBatchCommand") calls.send++;
        return next(args);
      },
      { step: "initialize", name: "countSends" },
    );
    const service = startEvaluation(
      { ...stack.evaluationEnv(), AWS_SQS_URL: queueUrl, ...env },
      { sqs: publisherClient },
    );
    return { service, queueUrl, calls };
  }

  /** Everything in the queue, decoded with the shared codec. */
  async function drain(queueUrl: string, expectedEvents: number) {
    const reader = client();
    const events: StoredEvent[] = [];
    const counts: Count[] = [];
    const deadline = performance.now() + 10_000;
    while (events.length < expectedEvents && performance.now() < deadline) {
      const { Messages = [] } = await reader.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      for (const message of Messages) {
        const decoded = decodeMessage(message.MessageId ?? "", message.Body ?? "");
        if ("problem" in decoded) throw new Error(decoded.problem);
        expect(decoded.version).toBe(2);
        events.push(...decoded.events);
        counts.push(...decoded.counts);
      }
    }
    reader.destroy();
    return { events, counts };
  }

  test("each decision reaches SQS as an event of a v2 message, with its variant and time", async () => {
    const { service, queueUrl } = await startWithQueue({ EVENT_FLUSH_MS: "50" });
    const before = Date.now();
    expect((await evaluate(service.url, "ana", "events-on")).status).toBe(200);
    expect((await evaluate(service.url, "bia", "events-off")).status).toBe(200);
    expect((await evaluate(service.url, "carla", "no-such-flag")).status).toBe(200);
    expect((await evaluate(service.url, "", "events-on")).status).toBe(400);
    const { events } = await drain(queueUrl, 3);
    await service.stop();
    const byUser = Object.fromEntries(events.map((event) => [event.userId, event]));
    expect(Object.keys(byUser).sort()).toEqual(["ana", "bia", "carla"]);
    expect(byUser.ana).toMatchObject({ flagName: "events-on", result: true, variant: "on" });
    expect(byUser.bia).toMatchObject({ flagName: "events-off", result: false, variant: "off" });
    expect(byUser.carla).toMatchObject({
      flagName: "no-such-flag",
      result: false,
      variant: "(flag_not_found)",
    });
    for (const event of events) expect(event.time).toBeGreaterThanOrEqual(before);
  });

  test("10,000 evaluations over HTTP cost at most 10 SendMessageBatch calls; counts are exact", async () => {
    const { service, queueUrl, calls } = await startWithQueue({
      EVENT_COUNTS_INTERVAL_MS: "60000",
    });
    await Promise.all(
      Array.from({ length: 50 }, async (_, worker) => {
        for (let index = 0; index < 200; index++) {
          const flag = index % 4 === 0 ? "events-off" : "events-on";
          expect((await evaluate(service.url, `user-${worker}-${index}`, flag)).status).toBe(200);
        }
      }),
    );
    // Closing ships the counts and whatever is still buffered.
    await service.stop();
    expect(metricValue(service.metrics, "evaluation_events_sent_total")).toBe(10_000);
    expect(calls.send).toBeLessThanOrEqual(10);
    expect(metricValue(service.metrics, "evaluation_events_send_calls_total")).toBe(calls.send);
    const { events, counts } = await drain(queueUrl, 10_000);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(10_000);
    const total = (flag: string) =>
      counts
        .filter((count) => count.flagName === flag)
        .reduce((sum, count) => sum + count.evaluations, 0);
    expect(total("events-on")).toBe(7_500);
    expect(total("events-off")).toBe(2_500);
  });

  test("SQS down: evaluations are unaffected and dropped events are counted", async () => {
    const { queueUrl } = await createQueue(sqs.endpoint, `down-${crypto.randomUUID().slice(0, 8)}`);
    const service = startEvaluation(
      {
        ...stack.evaluationEnv(),
        AWS_SQS_URL: queueUrl,
        EVENT_BUFFER_CAPACITY: "50",
        EVENT_FLUSH_MS: "50",
      },
      { sqs: client("http://127.0.0.1:1") },
    );
    const evaluateUsers = async (from: number) => {
      for (let index = from; index < from + 200; index++) {
        const { status, body } = await evaluate(service.url, `user-${index}`, "events-on");
        expect(status).toBe(200);
        expect(body.result).toBe(true);
      }
    };
    const metric = (name: string) => metricValue(service.metrics, name);
    await evaluateUsers(0);
    // Every event is dropped or still waiting (the newest 50 in the buffer, and what had been
    // sealed before the first call failed, retried as it is).
    expect(metric("evaluation_events_dropped_total") + metric("evaluation_events_buffered")).toBe(
      200,
    );
    // Once a call has failed and been retried, the buffer is all that takes new events: with
    // it full, 200 more evaluations drop 200 of the oldest, and what waits does not grow.
    const deadline = performance.now() + 5_000;
    while (metric("evaluation_events_send_calls_total") < 2 && performance.now() < deadline)
      await Bun.sleep(20);
    await evaluateUsers(200);
    const [dropped, waiting] = [
      metric("evaluation_events_dropped_total"),
      metric("evaluation_events_buffered"),
    ];
    await evaluateUsers(400);
    expect(metric("evaluation_events_buffered")).toBe(waiting);
    expect(metric("evaluation_events_dropped_total")).toBe(dropped + 200);
    const text = await fetch(`${service.url}/metrics`).then((response) => response.text());
    expect(text).toMatch(/^evaluation_events_dropped_total \d+$/m);
    await service.stop();
  });
});
