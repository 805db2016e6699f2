/** The consumer on the SQS and DynamoDB emulators, through the real SDK clients. */
import { describe, expect, test } from "bun:test";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { decodeMessage, type EvaluationEvent } from "@togglemaster/shared/events";
import { createTables, DEFAULT_RESOURCES, startDynamoEmulator } from "../../scripts/aws-local.ts";
import {
  type AnalyticsFixture,
  awsClients,
  counterItemsOfFlag,
  countersByHour,
  envelopeBodies,
  evaluations,
  expectedByHour,
  FLAGS,
  itemsOfFlag,
  queueDepth,
  sendBodies,
  sendV1Events,
  uniqueName,
  useEmulators,
  type V1Event,
} from "../../test/support/analytics.ts";
import { waitFor } from "../../test/support/testing.ts";
import { sampleFraction } from "./items.ts";

/** The emulators share two cores with everything else: generous, never a timing assertion. */
const TIMEOUT_MS = 30_000;

const aws = useEmulators();

/** Makes the service's first DeleteMessageBatch a no-op, so SQS delivers those messages again. */
function dropFirstDelete(fixture: AnalyticsFixture) {
  let dropped = 0;
  fixture.clients.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "DeleteMessageBatchCommand" || dropped > 0) return next(args);
      dropped++;
      return { output: { Successful: [], Failed: [], $metadata: {} }, response: {} } as never;
    },
    { step: "initialize", name: "dropFirstDelete" },
  );
}

const v1Event = (flag: string, index: number, result = index % 2 === 0): V1Event => ({
  user_id: `user-${index}`,
  flag_name: flag,
  result,
  timestamp: "2026-11-26T09:15:00.123Z",
});

describe("v1 messages", () => {
  test(
    "each event is one item with exactly its attributes, then the message is deleted",
    async () => {
      const { queueUrl } = await aws.freshQueue();
      const fixture = await aws.analytics({ queueUrl });
      const flag = uniqueName("stored");
      const events = [v1Event(flag, 0, true), v1Event(flag, 1, false), v1Event(flag, 2, true)];
      const ids = await sendV1Events(aws.clients, queueUrl, events);

      await waitFor("3 items", async () => (await itemsOfFlag(aws.clients, flag)).length === 3);
      for (const [index, id] of ids.entries()) {
        const sent = events[index] as V1Event;
        const { Item } = await aws.clients.dynamo.send(
          new GetItemCommand({
            TableName: DEFAULT_RESOURCES.eventsTable,
            Key: { event_id: { S: id } },
          }),
        );
        expect(Item).toEqual({
          event_id: { S: id },
          user_id: { S: sent.user_id },
          flag_name: { S: flag },
          result: { BOOL: sent.result },
          variant: { S: sent.result ? "on" : "off" },
          timestamp: { S: sent.timestamp },
        });
      }
      await fixture.drained();
      expect(await countersByHour(aws.clients, flag)).toEqual({
        "2026-11-26T09:00:00Z": { true: 2, false: 1, variants: { on: 2, off: 1 } },
      });
      expect(fixture.metric("analytics_messages_received_total")).toBe(3);
      expect(fixture.metric("analytics_events_stored_total")).toBe(3);
    },
    TIMEOUT_MS,
  );

  test(
    "a redelivered message overwrites its item instead of duplicating it",
    async () => {
      const { queueUrl } = await aws.freshQueue(1);
      const fixture = await aws.analytics({ queueUrl, start: false });
      dropFirstDelete(fixture);
      fixture.consumer.start();
      const flag = uniqueName("redelivered");
      const [id] = await sendV1Events(aws.clients, queueUrl, [v1Event(flag, 0)]);

      await waitFor(
        "a second delivery",
        () => fixture.metric("analytics_messages_received_total") >= 2,
      );
      await fixture.drained();
      const items = await itemsOfFlag(aws.clients, flag);
      expect(items.map((item) => item.event_id?.S)).toEqual([id]);
      expect(fixture.metric("analytics_events_stored_total")).toBe(2);
    },
    TIMEOUT_MS,
  );

  test(
    "invalid messages are neither stored nor deleted and reach the dead-letter queue",
    async () => {
      const { queueUrl, deadLetterQueueUrl } = await aws.freshQueue(1);
      const fixture = await aws.analytics({ queueUrl });
      const flag = uniqueName("invalid");
      const invalid = [
        "not json {",
        JSON.stringify({ user_id: "u1", flag_name: flag, timestamp: "2026-11-26T09:00:00Z" }),
        JSON.stringify({ user_id: "u1", flag_name: flag, result: true, timestamp: "yesterday" }),
        JSON.stringify({ v: 2, producer: "p 1", seq: 1, t: 0, events: [], counts: [] }),
        `{"user_id":"u1","flag_name":"${flag}","result":true,"pad":"${"x".repeat(5_000)}"`,
      ];
      await sendBodies(aws.clients, queueUrl, invalid);
      const [validId] = await sendV1Events(aws.clients, queueUrl, [v1Event(flag, 1)]);

      await waitFor(
        "the valid event",
        async () => (await itemsOfFlag(aws.clients, flag)).length === 1,
      );
      const dead: string[] = [];
      await waitFor("all invalid messages in the dead-letter queue", async () => {
        const { Messages = [] } = await aws.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, MaxNumberOfMessages: 10 }),
        );
        dead.push(...Messages.map((message) => message.Body ?? ""));
        return dead.length === invalid.length;
      });
      expect(dead.sort()).toEqual([...invalid].sort());
      expect((await itemsOfFlag(aws.clients, flag)).map((item) => item.event_id?.S)).toEqual([
        validId,
      ]);
      expect(await queueDepth(aws.clients, queueUrl)).toBe(0);
      // Each invalid message was received three times (then moved) and logged each time.
      expect(fixture.metric("analytics_messages_invalid_total")).toBe(invalid.length * 3);
      fixture.logger.flush();
      const logged = fixture.logger.lines.filter((line) => line.includes("invalid message left"));
      expect(logged.length).toBe(invalid.length * 3);
      expect(Math.max(...logged.map((line) => line.length))).toBeLessThan(1_000);
    },
    TIMEOUT_MS,
  );
});

describe("v2 messages", () => {
  test(
    "counters stay exact and items one per event when every message comes twice, one ten times, and all once more later",
    async () => {
      const { queueUrl } = await aws.freshQueue(1);
      const fixture = await aws.analytics({ queueUrl, start: false });
      dropFirstDelete(fixture);
      fixture.consumer.start();
      const producer = uniqueName("redelivery");
      const flags = FLAGS.map((flag) => `${producer}-${flag}`);
      const events = evaluations(6_000, flags);
      // Messages of 48 KiB of JSON, so that copies of several land in different batches.
      const bodies = envelopeBodies(producer, events, 1, 48 * 1024);
      expect(bodies.length).toBeGreaterThanOrEqual(4);

      const copies = [
        ...bodies,
        ...bodies,
        ...Array.from({ length: 8 }, () => bodies[0] as string),
      ];
      await sendBodies(aws.clients, queueUrl, copies);
      await fixture.drained();
      await sendBodies(aws.clients, queueUrl, bodies);
      await fixture.drained();

      for (const flag of flags)
        expect(await countersByHour(aws.clients, flag)).toEqual(expectedByHour(events, flag));
      for (const flag of flags) {
        const ids = (await itemsOfFlag(aws.clients, flag)).map((item) => item.event_id?.S);
        const expected = events.flatMap((event, index) => (event.flagName === flag ? [index] : []));
        expect(ids.length).toBe(expected.length);
        expect(new Set(ids).size).toBe(expected.length);
      }
      // Some copies came in other batches than the first: the counters' condition refused them.
      expect(fixture.metric("analytics_counts_already_added_total")).toBeGreaterThan(0);
      expect(fixture.metric("analytics_messages_received_total")).toBeGreaterThan(copies.length);
    },
    TIMEOUT_MS,
  );

  test(
    "the counters of one hour hold each message number once, in one item per block",
    async () => {
      const { queueUrl } = await aws.freshQueue();
      const fixture = await aws.analytics({ queueUrl });
      const producer = uniqueName("blocks");
      const flag = `${producer}-checkout`;
      const event = (index: number): EvaluationEvent => ({
        time: Date.parse("2026-12-02T17:10:00Z") + index,
        userId: `user-${index}`,
        flagName: flag,
        result: true,
        variant: "on",
      });
      const bodies = [
        ...envelopeBodies(producer, [event(0)], 998),
        ...envelopeBodies(producer, [event(1)], 999),
        ...envelopeBodies(producer, [event(2)], 1_000),
      ];
      await sendBodies(aws.clients, queueUrl, [...bodies, ...bodies]);
      await fixture.drained();

      const items = await counterItemsOfFlag(aws.clients, flag);
      expect(
        items.map((item) => [item.hour_producer?.S, item.true_count?.N, item.applied?.NS?.sort()]),
      ).toEqual([
        [`2026-12-02T17:00:00Z#${producer}#0`, "2", ["998", "999"]],
        [`2026-12-02T17:00:00Z#${producer}#1`, "1", ["1000"]],
      ]);
    },
    TIMEOUT_MS,
  );

  test(
    "sampled and counters-only flags store only their chosen items and count everything",
    async () => {
      const { queueUrl } = await aws.freshQueue();
      const producer = uniqueName("sampling");
      const [sampled, countedOnly, kept] = FLAGS.map((flag) => `${producer}-${flag}`);
      const fixture = await aws.analytics({
        queueUrl,
        env: {
          ANALYTICS_EVENT_ITEMS: "sample",
          ANALYTICS_EVENT_SAMPLE_RATE: "0.1",
          ANALYTICS_EVENT_ITEMS_BY_FLAG: `${countedOnly}=none,${kept}=all`,
        },
      });
      const events = evaluations(3_000, [sampled, countedOnly, kept] as string[]);
      const bodies = envelopeBodies(producer, events);
      await sendBodies(aws.clients, queueUrl, bodies);
      await fixture.drained();

      const idsOf = async (flag: string | undefined) =>
        (await itemsOfFlag(aws.clients, flag as string)).map((item) => item.event_id?.S).sort();
      const storedIds = [
        ...(await idsOf(sampled)),
        ...(await idsOf(countedOnly)),
        ...(await idsOf(kept)),
      ];
      const itemIds = bodies.flatMap((body, message) => {
        const decoded = decodeMessage(`m-${message}`, body);
        return "problem" in decoded ? [] : decoded.events.map((event) => event.eventId);
      });
      const expected = itemIds.filter((id, position) => {
        const flag = events[position]?.flagName;
        return flag === kept || (flag === sampled && sampleFraction(id) < 0.1);
      });
      expect(storedIds.sort()).toEqual(expected.sort());
      expect((await idsOf(sampled)).length).toBeGreaterThan(50);
      expect(await idsOf(countedOnly)).toEqual([]);
      for (const flag of [sampled, countedOnly, kept] as string[])
        expect(await countersByHour(aws.clients, flag)).toEqual(expectedByHour(events, flag));
    },
    TIMEOUT_MS,
  );
});

describe("DynamoDB outages", () => {
  test(
    "messages wait in the queue while DynamoDB is down and are stored once when it is back",
    async () => {
      const { queueUrl } = await aws.freshQueue();
      const dynamo = await startDynamoEmulator();
      await createTables(dynamo.endpoint, DEFAULT_RESOURCES);
      const fixture = await aws.analytics({ queueUrl, dynamoEndpoint: dynamo.endpoint });
      await waitFor("readiness", () => fixture.consumer.health().storeReachable);
      await dynamo.stop();

      const flag = uniqueName("outage");
      await sendV1Events(
        aws.clients,
        queueUrl,
        Array.from({ length: 30 }, (_, index) => v1Event(flag, index)),
      );
      await waitFor(
        "a failed write",
        () => fixture.metric("analytics_dynamodb_write_failures_total") > 0,
      );
      expect(fixture.consumer.health().storeReachable).toBe(false);
      expect(await queueDepth(aws.clients, queueUrl)).toBe(30);
      expect(fixture.metric("analytics_sqs_delete_calls_total")).toBe(0);

      const revived = await startDynamoEmulator(Number(new URL(dynamo.endpoint).port));
      const revivedClients = awsClients(aws.local.sqsEndpoint, revived.endpoint);
      try {
        await createTables(revived.endpoint, DEFAULT_RESOURCES);
        await fixture.drained();
        expect((await itemsOfFlag(revivedClients, flag)).length).toBe(30);
        const counters = await counterItemsOfFlag(revivedClients, flag);
        expect(
          counters.map((item) => [item.hour_producer?.S, item.true_count?.N, item.false_count?.N]),
        ).toEqual([["2026-11-26T09:00:00Z#v1", "15", "15"]]);
        expect(fixture.consumer.health().storeReachable).toBe(true);
      } finally {
        revivedClients.sqs.destroy();
        revivedClients.dynamo.destroy();
        await fixture.stop();
        await revived.stop();
      }
    },
    TIMEOUT_MS,
  );
});

describe("shutdown", () => {
  test(
    "close aborts the long poll at once and stores what was already received",
    async () => {
      const { queueUrl } = await aws.freshQueue();
      const fixture = await aws.analytics({ queueUrl, tuning: { flushDelayMs: 60_000 } });
      const flag = uniqueName("closing");
      await sendV1Events(aws.clients, queueUrl, [v1Event(flag, 0), v1Event(flag, 1)]);
      await waitFor("2 received", () => fixture.metric("analytics_messages_received_total") === 2);
      expect(fixture.metric("analytics_events_stored_total")).toBe(0);

      await fixture.consumer.close();
      expect((await itemsOfFlag(aws.clients, flag)).length).toBe(2);
      expect(await queueDepth(aws.clients, queueUrl)).toBe(0);
    },
    TIMEOUT_MS,
  );
});
