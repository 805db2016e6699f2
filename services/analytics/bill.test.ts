/**
 * The bill: 10,000 evaluations as evaluation ships them (compressed v2 messages, three
 * flags over two hours) go through the SQS emulator into the real consumer and DynamoDB
 * emulator, once per way of keeping event items. Calls and write units are read off the
 * service's real SDK clients; the FinOps table is printed from them.
 */
import { afterAll, expect, test } from "bun:test";
import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import type { Message } from "@aws-sdk/client-sqs";
import { isoHour } from "@togglemaster/shared/events";
import {
  type AnalyticsFixture,
  countersByHour,
  envelopeBodies,
  evaluations,
  expectedByHour,
  itemsOfFlag,
  sendBodies,
  uniqueName,
  useEmulators,
} from "../../test/support/analytics.ts";
import { finOpsTable, type MeasuredRun } from "./finops.ts";

const EVALUATIONS = 10_000;
/** SQS bills each 64 KiB of a request's payload as one request. */
const SQS_BILLED_BYTES = 64 * 1024;

const aws = useEmulators();
const runs: MeasuredRun[] = [];

afterAll(() => {
  if (runs.length === MODES.length) console.log(`\n${finOpsTable(runs)}\n`);
});

interface Bill {
  batchWrites: number;
  updates: number;
  itemUnits: number;
  counterUnits: number;
  /** Billed requests: 64 KiB chunks of the receives that returned messages, delete calls. */
  sqsRequests: number;
}

const unitsOf = (consumed: ConsumedCapacity | ConsumedCapacity[] | undefined) =>
  [consumed ?? []].flat().reduce((sum, { CapacityUnits = 0 }) => sum + CapacityUnits, 0);

/** Counts every call the service's clients make, and what DynamoDB says each consumed. */
function observe(fixture: AnalyticsFixture): Bill {
  const bill: Bill = { batchWrites: 0, updates: 0, itemUnits: 0, counterUnits: 0, sqsRequests: 0 };
  fixture.clients.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const { commandName } = context;
      if (commandName === "BatchWriteItemCommand") bill.batchWrites++;
      if (commandName === "UpdateItemCommand") bill.updates++;
      const result = await next(args);
      const units = unitsOf(
        (result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity,
      );
      if (commandName === "BatchWriteItemCommand") bill.itemUnits += units;
      if (commandName === "UpdateItemCommand") bill.counterUnits += units;
      return result;
    },
    { step: "initialize", name: "countDynamoWrites" },
  );
  fixture.clients.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === "DeleteMessageBatchCommand") bill.sqsRequests++;
      if (context.commandName === "ReceiveMessageCommand") {
        const { Messages = [] } = result.output as { Messages?: Message[] };
        const bytes = Messages.reduce((sum, { Body = "" }) => sum + Buffer.byteLength(Body), 0);
        bill.sqsRequests += Math.ceil(bytes / SQS_BILLED_BYTES);
      }
      return result;
    },
    { step: "initialize", name: "countSqsRequests" },
  );
  return bill;
}

const MODES: { items: string; env: Record<string, string> }[] = [
  { items: "all", env: { ANALYTICS_EVENT_ITEMS: "all" } },
  {
    items: "sample 1 %",
    env: { ANALYTICS_EVENT_ITEMS: "sample", ANALYTICS_EVENT_SAMPLE_RATE: "0.01" },
  },
  { items: "none", env: { ANALYTICS_EVENT_ITEMS: "none" } },
];

for (const mode of MODES)
  test(`event items ${mode.items}: 10,000 evaluations cost the writes of their items and one counter write per flag and hour`, async () => {
    const tag = uniqueName("b").slice(2, 8);
    const flags = ["c", "s", "t"].map((flag) => `${flag}${tag}`);
    const events = evaluations(EVALUATIONS, flags);
    const bodies = envelopeBodies(`bill-${tag}`, events);
    const { queueUrl } = await aws.freshQueue();
    await sendBodies(aws.clients, queueUrl, bodies);

    const fixture = await aws.analytics({
      queueUrl,
      env: mode.env,
      tuning: { flushDelayMs: 1_000 },
      start: false,
    });
    const bill = observe(fixture);
    fixture.consumer.start();
    await fixture.drained();

    for (const flag of flags)
      expect(await countersByHour(aws.clients, flag)).toEqual(expectedByHour(events, flag));
    const items = (await Promise.all(flags.map((flag) => itemsOfFlag(aws.clients, flag)))).flat();
    const counterItems = flags.length * new Set(events.map((event) => isoHour(event.time))).size;
    const writeCalls = bill.batchWrites + bill.updates;
    if (mode.items === "all") {
      expect(items.length).toBe(EVALUATIONS);
      expect(writeCalls).toBeLessThanOrEqual(EVALUATIONS / 25 + counterItems + 2);
    } else if (mode.items === "none") {
      expect(items.length).toBe(0);
      expect(writeCalls).toBeLessThanOrEqual(counterItems + 2);
    } else {
      expect(items.length).toBeGreaterThan(EVALUATIONS * 0.005);
      expect(items.length).toBeLessThan(EVALUATIONS * 0.02);
      expect(bill.batchWrites).toBeLessThanOrEqual(Math.ceil(items.length / 25) + 1);
    }
    expect(bill.updates).toBeLessThanOrEqual(counterItems + 2);
    runs.push({
      items: mode.items,
      evaluations: EVALUATIONS,
      sqsRequests: bill.sqsRequests,
      itemWriteUnits: bill.itemUnits,
      counterWriteUnits: bill.counterUnits,
    });
  }, 60_000);
