import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import type { Registry } from "@togglemaster/shared/metrics";
import { backoffMs, chunk, sleep } from "./batching.ts";
import type { EvaluationEvent, HourlyCount } from "./events.ts";

/**
 * DynamoDB tables of the analytics-service: one item per evaluation event (key `event_id`,
 * the SQS MessageId, so a redelivered message overwrites its item) and hourly counters per
 * flag (key `flag_name` + `hour`).
 */
export interface EventStore {
  /** Resolves when both tables answer. */
  check(): Promise<void>;
  /**
   * Writes the events, 25 per BatchWriteItem call; throws unless every item was written.
   * Event ids must be unique: DynamoDB rejects a batch holding one key twice.
   */
  putEvents(events: readonly EvaluationEvent[]): Promise<void>;
  /** Adds to one flag-hour counter atomically. */
  addCount(count: HourlyCount): Promise<void>;
  /** The counters of a flag for the hours `from`..`to` (inclusive, ISO hours); absent hours are zero. */
  hourlyCounts(flagName: string, from: string, to: string): Promise<HourlyCount[]>;
}

export interface EventStoreOptions {
  dynamo: DynamoDBClient;
  eventsTable: string;
  countersTable: string;
  metrics: Registry;
}

const BATCH_WRITE_LIMIT = 25;
const UNPROCESSED_ATTEMPTS = 6;

const eventItem = (event: EvaluationEvent): WriteRequest => ({
  PutRequest: {
    Item: {
      event_id: { S: event.eventId },
      user_id: { S: event.userId },
      flag_name: { S: event.flagName },
      result: { BOOL: event.result },
      timestamp: { S: event.timestamp },
    },
  },
});

export function createEventStore({
  dynamo,
  eventsTable,
  countersTable,
  metrics,
}: EventStoreOptions): EventStore {
  const writeCalls = metrics.counter(
    "analytics_dynamodb_write_calls_total",
    "DynamoDB write calls (BatchWriteItem and UpdateItem), including retries",
  );

  /** DynamoDB may accept part of a batch under load; the rest is retried with backoff. */
  const writeChunk = async (requests: WriteRequest[]) => {
    let remaining = requests;
    for (let attempt = 1; ; attempt++) {
      writeCalls.inc({ operation: "BatchWriteItem" });
      const { UnprocessedItems } = await dynamo.send(
        new BatchWriteItemCommand({ RequestItems: { [eventsTable]: remaining } }),
      );
      remaining = UnprocessedItems?.[eventsTable] ?? [];
      if (remaining.length === 0) return;
      if (attempt === UNPROCESSED_ATTEMPTS)
        throw new Error(`DynamoDB left ${remaining.length} events unprocessed`);
      await sleep(backoffMs(attempt, 50, 1_000));
    }
  };

  return {
    async check() {
      await Promise.all(
        [eventsTable, countersTable].map((table) =>
          dynamo.send(new DescribeTableCommand({ TableName: table })),
        ),
      );
    },

    async putEvents(events) {
      await Promise.all(chunk(events.map(eventItem), BATCH_WRITE_LIMIT).map(writeChunk));
    },

    async addCount({ flagName, hour, trueCount, falseCount }) {
      writeCalls.inc({ operation: "UpdateItem" });
      await dynamo.send(
        new UpdateItemCommand({
          TableName: countersTable,
          Key: { flag_name: { S: flagName }, hour: { S: hour } },
          UpdateExpression: "ADD true_count :true, false_count :false",
          ExpressionAttributeValues: {
            ":true": { N: String(trueCount) },
            ":false": { N: String(falseCount) },
          },
        }),
      );
    },

    async hourlyCounts(flagName, from, to) {
      // At most one item per hour of the range: 24 small items never need a second page.
      const { Items = [] } = await dynamo.send(
        new QueryCommand({
          TableName: countersTable,
          KeyConditionExpression: "flag_name = :flag AND #hour BETWEEN :from AND :to",
          ExpressionAttributeNames: { "#hour": "hour" },
          ExpressionAttributeValues: {
            ":flag": { S: flagName },
            ":from": { S: from },
            ":to": { S: to },
          },
        }),
      );
      return Items.map((item) => ({
        flagName,
        hour: item.hour?.S ?? "",
        trueCount: Number(item.true_count?.N ?? 0),
        falseCount: Number(item.false_count?.N ?? 0),
      }));
    },
  };
}
