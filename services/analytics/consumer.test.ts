import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import {
  type AwsLocal,
  createQueue,
  createTables,
  DEFAULT_RESOURCES,
  startAwsLocal,
  startDynamoEmulator,
} from "../../scripts/aws-local.ts";
import {
  type AnalyticsFixture,
  awsClients,
  itemsOfFlag,
  queueDepth,
  sendBodies,
  sendEvents,
  startAnalytics,
  type TestEvent,
  uniqueName,
  waitFor,
} from "./fixture.ts";

let local: AwsLocal;
let clients: ReturnType<typeof awsClients>;
const running: AnalyticsFixture[] = [];

beforeAll(async () => {
  local = await startAwsLocal();
  clients = awsClients(local.sqsEndpoint, local.dynamoEndpoint);
});

afterAll(async () => {
  await Promise.all(running.map((fixture) => fixture.stop()));
  clients.sqs.destroy();
  clients.dynamo.destroy();
  await local.stop();
});

/** A fresh queue (with its dead-letter queue), so each test sees only its own messages. */
async function freshQueue(visibilityTimeoutSeconds?: number) {
  const queue = await createQueue(local.sqsEndpoint, uniqueName("analytics"));
  if (visibilityTimeoutSeconds !== undefined)
    await clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queue.queueUrl,
        Attributes: { VisibilityTimeout: String(visibilityTimeoutSeconds) },
      }),
    );
  return queue;
}

async function analytics(
  queueUrl: string,
  options: Partial<Parameters<typeof startAnalytics>[0]> = {},
) {
  const fixture = await startAnalytics({
    queueUrl,
    sqsEndpoint: local.sqsEndpoint,
    dynamoEndpoint: local.dynamoEndpoint,
    ...options,
  });
  running.push(fixture);
  return fixture;
}

const event = (flag: string, index: number, result = index % 2 === 0): TestEvent => ({
  user_id: `user-${index}`,
  flag_name: flag,
  result,
  timestamp: "2026-11-26T09:15:00.123Z",
});

describe("consumer", () => {
  test("stores each event as one item with exactly its attributes, then deletes the message", async () => {
    const { queueUrl } = await freshQueue();
    const fixture = await analytics(queueUrl);
    const flag = uniqueName("stored");
    const events = [event(flag, 0, true), event(flag, 1, false), event(flag, 2, true)];
    const ids = await sendEvents(clients, queueUrl, events);

    await waitFor("3 items", async () => (await itemsOfFlag(clients, flag)).length === 3);
    for (const [index, id] of ids.entries()) {
      const sent = events[index] as TestEvent;
      const { Item } = await clients.dynamo.send(
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
        timestamp: { S: sent.timestamp },
      });
    }
    await waitFor("the queue to empty", async () => (await queueDepth(clients, queueUrl)) === 0);
    expect(fixture.metric("analytics_messages_received_total")).toBe(3);
    expect(fixture.metric("analytics_events_stored_total")).toBe(3);
    expect(fixture.metric("analytics_sqs_delete_calls_total")).toBeGreaterThanOrEqual(1);
  });

  test("a redelivered message overwrites its item instead of duplicating it", async () => {
    const { queueUrl } = await freshQueue(1);
    const fixture = await analytics(queueUrl);
    // The first delete never reaches SQS, so the stored message comes back after its
    // visibility timeout with the same MessageId.
    let deletesDropped = 0;
    fixture.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "DeleteMessageBatchCommand" || deletesDropped > 0)
          return next(args);
        deletesDropped++;
        return { output: { Successful: [], Failed: [], $metadata: {} }, response: {} } as never;
      },
      { step: "initialize", name: "dropFirstDelete" },
    );
    const flag = uniqueName("redelivered");
    const [id] = await sendEvents(clients, queueUrl, [event(flag, 0)]);

    await waitFor(
      "a second delivery",
      () => fixture.metric("analytics_messages_received_total") >= 2,
    );
    await waitFor("the queue to empty", async () => (await queueDepth(clients, queueUrl)) === 0);
    const items = await itemsOfFlag(clients, flag);
    expect(items.map((item) => item.event_id?.S)).toEqual([id]);
    expect(fixture.metric("analytics_events_stored_total")).toBe(2);
  });

  test("invalid messages are neither stored nor deleted and reach the dead-letter queue", async () => {
    const { queueUrl, deadLetterQueueUrl } = await freshQueue(1);
    const fixture = await analytics(queueUrl);
    const flag = uniqueName("invalid");
    const invalid = [
      "not json {",
      JSON.stringify({ user_id: "u1", flag_name: flag, timestamp: "2026-11-26T09:00:00Z" }),
      JSON.stringify({
        user_id: 7,
        flag_name: flag,
        result: true,
        timestamp: "2026-11-26T09:00:00Z",
      }),
      JSON.stringify({ user_id: "u1", flag_name: flag, result: true, timestamp: "yesterday" }),
      `{"user_id":"u1","flag_name":"${flag}","result":true,"timestamp":"2026-11-26T09:00:00Z","pad":"${"x".repeat(5_000)}"`,
    ];
    const invalidIds = await sendBodies(clients, queueUrl, invalid);
    const [validId] = await sendEvents(clients, queueUrl, [event(flag, 1)]);

    await waitFor("the valid event", async () => (await itemsOfFlag(clients, flag)).length === 1);
    const dead: string[] = [];
    await waitFor("all invalid messages in the dead-letter queue", async () => {
      const { Messages = [] } = await clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, MaxNumberOfMessages: 10 }),
      );
      dead.push(...Messages.map((message) => message.Body ?? ""));
      return dead.length === invalid.length;
    });
    expect(dead.sort()).toEqual([...invalid].sort());
    expect((await itemsOfFlag(clients, flag)).map((item) => item.event_id?.S)).toEqual([validId]);
    expect(invalidIds).not.toContain(validId);
    expect(await queueDepth(clients, queueUrl)).toBe(0);
    // Each invalid message was received three times (then moved) and logged each time.
    expect(fixture.metric("analytics_messages_invalid_total")).toBe(invalid.length * 3);
    const logged = fixture.logger.lines.filter((line) => line.includes("invalid event left"));
    expect(logged.length).toBe(invalid.length * 3);
    expect(Math.max(...logged.map((line) => line.length))).toBeLessThan(1_000);
  });

  test("keeps messages while DynamoDB is down and stores each once when it is back", async () => {
    const { queueUrl } = await freshQueue();
    const dynamo = await startDynamoEmulator();
    await createTables(dynamo.endpoint, DEFAULT_RESOURCES);
    const fixture = await analytics(queueUrl, { dynamoEndpoint: dynamo.endpoint });
    await waitFor("readiness", () => fixture.consumer.health().storeReachable);
    await dynamo.stop();

    const flag = uniqueName("outage");
    const events = Array.from({ length: 30 }, (_, index) => event(flag, index));
    await sendEvents(clients, queueUrl, events);
    await waitFor(
      "a failed write",
      () => fixture.metric("analytics_dynamodb_write_failures_total") > 0,
    );
    expect(fixture.consumer.health().storeReachable).toBe(false);
    expect(await queueDepth(clients, queueUrl)).toBe(30);
    expect(fixture.metric("analytics_sqs_delete_calls_total")).toBe(0);

    const revived = await startDynamoEmulator(Number(new URL(dynamo.endpoint).port));
    try {
      await createTables(revived.endpoint, DEFAULT_RESOURCES);
      await waitFor("the queue to empty", async () => (await queueDepth(clients, queueUrl)) === 0);
      const revivedClients = awsClients(local.sqsEndpoint, revived.endpoint);
      const items = await itemsOfFlag(revivedClients, flag);
      expect(items.length).toBe(30);
      const { Items = [] } = await revivedClients.dynamo.send(
        new QueryCommand({
          TableName: DEFAULT_RESOURCES.countersTable,
          KeyConditionExpression: "flag_name = :flag",
          ExpressionAttributeValues: { ":flag": { S: flag } },
        }),
      );
      expect(Items.map((item) => [item.hour?.S, item.true_count?.N, item.false_count?.N])).toEqual([
        ["2026-11-26T09:00:00Z", "15", "15"],
      ]);
      expect(fixture.consumer.health().storeReachable).toBe(true);
      revivedClients.sqs.destroy();
      revivedClients.dynamo.destroy();
    } finally {
      await fixture.stop();
      await revived.stop();
    }
  });

  test("stores 1,000 events in full batches of 25 with one counter update per batch", async () => {
    const { queueUrl } = await freshQueue();
    const flag = uniqueName("bulk");
    await sendEvents(
      clients,
      queueUrl,
      Array.from({ length: 1_000 }, (_, index) => event(flag, index)),
    );
    // A long delay means only full batches are written while the queue still has messages.
    const fixture = await analytics(queueUrl, { flushDelayMs: 5_000 });

    await waitFor(
      "1,000 stored events",
      () => fixture.metric("analytics_events_stored_total") === 1_000,
    );
    await waitFor("the queue to empty", async () => (await queueDepth(clients, queueUrl)) === 0);
    expect((await itemsOfFlag(clients, flag)).length).toBe(1_000);
    const batchWrites = fixture.metric("analytics_dynamodb_write_calls_total", '"BatchWriteItem"');
    const updates = fixture.metric("analytics_dynamodb_write_calls_total", '"UpdateItem"');
    expect(batchWrites).toBeLessThanOrEqual(40);
    expect(updates).toBeLessThanOrEqual(4);
    expect(fixture.metric("analytics_dynamodb_write_calls_total")).toBe(batchWrites + updates);
  });

  test("close aborts the long poll at once and stores what was already received", async () => {
    const { queueUrl } = await freshQueue();
    const fixture = await analytics(queueUrl, { flushDelayMs: 60_000 });
    const flag = uniqueName("closing");
    await sendEvents(clients, queueUrl, [event(flag, 0), event(flag, 1)]);
    await waitFor("2 received", () => fixture.metric("analytics_messages_received_total") === 2);
    expect(fixture.metric("analytics_events_stored_total")).toBe(0);

    const startedAt = performance.now();
    await fixture.consumer.close();
    // Well under the 20 s a long poll would otherwise hold the shutdown.
    expect(performance.now() - startedAt).toBeLessThan(10_000);
    expect((await itemsOfFlag(clients, flag)).length).toBe(2);
    expect(await queueDepth(clients, queueUrl)).toBe(0);
  });
});
