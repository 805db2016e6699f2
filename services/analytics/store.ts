import {
  type AttributeValue,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  DescribeTableCommand,
  type DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { type Clock, systemClock } from "@togglemaster/shared/clock";
import type { StoredEvent } from "@togglemaster/shared/events";
import type { Registry } from "@togglemaster/shared/metrics";
import { backoffMs, sleep } from "./batching.ts";
import { type CounterUpdate, hourOfKey, Tally } from "./counters.ts";

/**
 * The two tables of analytics: event items (key `event_id`: the v1 MessageId or
 * `<producer>:<seq>:<index>`, so a redelivered message overwrites its items) and hourly
 * counters (key `flag_name` + `hour_producer`, see counters.ts).
 */
export interface EventStore {
  /** Resolves when both tables answer. */
  check(): Promise<void>;
  /**
   * Writes up to 25 items in one BatchWriteItem call, retrying what DynamoDB leaves
   * unprocessed; throws unless all were written. Ids must be distinct.
   */
  putEvents(events: readonly StoredEvent[]): Promise<void>;
  /**
   * Adds an update's counts to its counter item, skipping the messages the item already
   * holds; answers how many it skipped.
   */
  addCounts(update: CounterUpdate): Promise<number>;
  /** The tallies of a flag per hour, for hours `from`..`to` (ISO hours, inclusive). */
  hourlyCounts(flagName: string, from: string, to: string): Promise<Map<string, Tally>>;
}

export interface DynamoEventStoreOptions {
  dynamo: DynamoDBClient;
  eventsTable: string;
  countersTable: string;
  metrics: Registry;
  clock?: Clock;
}

/** DynamoDB's limit per BatchWriteItem call. */
export const BATCH_WRITE_LIMIT = 25;
const UNPROCESSED_ATTEMPTS = 6;
const VARIANT_PREFIX = "variant:";

const eventItem = (event: StoredEvent): Record<string, AttributeValue> => ({
  event_id: { S: event.eventId },
  user_id: { S: event.userId },
  flag_name: { S: event.flagName },
  ...(event.result !== null && { result: { BOOL: event.result } }),
  variant: { S: event.variant },
  timestamp: { S: event.timestamp },
});

/** `ADD` clauses and their values for a tally; variants become attributes `variant:<name>`. */
function tallyClauses(tally: Tally) {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const add = (attribute: string, evaluations: number) => {
    if (evaluations === 0) return;
    const index = clauses.length;
    names[`#a${index}`] = attribute;
    values[`:a${index}`] = { N: String(evaluations) };
    clauses.push(`#a${index} :a${index}`);
  };
  add("true_count", tally.trueCount);
  add("false_count", tally.falseCount);
  for (const [variant, evaluations] of tally.variants)
    add(`${VARIANT_PREFIX}${variant}`, evaluations);
  return { clauses, names, values };
}

function tallyOfItem(item: Record<string, AttributeValue>): Tally {
  const tally = new Tally();
  for (const [attribute, value] of Object.entries(item)) {
    if (value.N === undefined) continue;
    const evaluations = Number(value.N);
    if (attribute === "true_count") tally.trueCount = evaluations;
    else if (attribute === "false_count") tally.falseCount = evaluations;
    else if (attribute.startsWith(VARIANT_PREFIX))
      tally.variants.set(attribute.slice(VARIANT_PREFIX.length), evaluations);
  }
  return tally;
}

export class DynamoEventStore implements EventStore {
  private readonly dynamo: DynamoDBClient;
  private readonly eventsTable: string;
  private readonly countersTable: string;
  private readonly clock: Clock;
  private readonly writeCalls;
  private readonly writeUnits;

  constructor({ dynamo, eventsTable, countersTable, metrics, clock }: DynamoEventStoreOptions) {
    this.dynamo = dynamo;
    this.eventsTable = eventsTable;
    this.countersTable = countersTable;
    this.clock = clock ?? systemClock;
    this.writeCalls = metrics.counter(
      "analytics_dynamodb_write_calls_total",
      "DynamoDB write calls (BatchWriteItem and UpdateItem), including retries",
    );
    this.writeUnits = metrics.counter(
      "analytics_dynamodb_write_units_total",
      "Write units DynamoDB reported consumed: what on-demand billing charges",
    );
  }

  async check(): Promise<void> {
    await Promise.all(
      [this.eventsTable, this.countersTable].map((table) =>
        this.dynamo.send(new DescribeTableCommand({ TableName: table })),
      ),
    );
  }

  /** DynamoDB may accept part of a batch under load; the rest is retried with backoff. */
  async putEvents(events: readonly StoredEvent[]): Promise<void> {
    let remaining = events.map((event) => ({ PutRequest: { Item: eventItem(event) } }));
    for (let attempt = 1; remaining.length > 0; attempt++) {
      if (attempt > UNPROCESSED_ATTEMPTS)
        throw new Error(`DynamoDB left ${remaining.length} events unprocessed`);
      if (attempt > 1) await sleep(this.clock, backoffMs(attempt, 50, 1_000));
      this.writeCalls.inc({ operation: "BatchWriteItem" });
      const { UnprocessedItems, ConsumedCapacity } = await this.dynamo.send(
        new BatchWriteItemCommand({
          RequestItems: { [this.eventsTable]: remaining },
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      this.countUnits(ConsumedCapacity);
      remaining = (UnprocessedItems?.[this.eventsTable] ?? []).flatMap(({ PutRequest }) =>
        PutRequest?.Item === undefined ? [] : [{ PutRequest: { Item: PutRequest.Item } }],
      );
    }
  }

  /**
   * One UpdateItem: `ADD` of the counts and of the message numbers to `applied`, on the
   * condition that `applied` holds none of them. A failed condition means some were added
   * before (a redelivery), so each message is then tried on its own.
   */
  async addCounts(update: CounterUpdate): Promise<number> {
    if (update.seqs.length === 0) {
      await this.update(update, update.tally, []);
      return 0;
    }
    try {
      await this.update(update, update.tally, update.seqs);
      return 0;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    if (update.seqs.length === 1) return 1;
    let skipped = 0;
    for (const [index, seq] of update.seqs.entries()) {
      try {
        await this.update(update, update.perMessage[index] as Tally, [seq]);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        skipped++;
      }
    }
    return skipped;
  }

  private async update(update: CounterUpdate, tally: Tally, seqs: readonly number[]) {
    const { clauses, names, values } = tallyClauses(tally);
    if (seqs.length > 0) {
      names["#applied"] = "applied";
      values[":applied"] = { NS: seqs.map(String) };
      clauses.push("#applied :applied");
      for (const [index, seq] of seqs.entries()) values[`:s${index}`] = { N: String(seq) };
    }
    this.writeCalls.inc({ operation: "UpdateItem" });
    const { ConsumedCapacity } = await this.dynamo.send(
      new UpdateItemCommand({
        TableName: this.countersTable,
        Key: { flag_name: { S: update.flagName }, hour_producer: { S: update.key } },
        UpdateExpression: `ADD ${clauses.join(", ")}`,
        ConditionExpression:
          seqs.length === 0
            ? undefined
            : seqs.map((_, index) => `NOT contains(#applied, :s${index})`).join(" AND "),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    this.countUnits(ConsumedCapacity);
  }

  private countUnits(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined) {
    for (const { TableName, CapacityUnits = 0 } of [consumed ?? []].flat())
      this.writeUnits.inc({ table: TableName ?? "" }, CapacityUnits);
  }

  async hourlyCounts(flagName: string, from: string, to: string): Promise<Map<string, Tally>> {
    const hours = new Map<string, Tally>();
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamo.send(
        new QueryCommand({
          TableName: this.countersTable,
          KeyConditionExpression: "flag_name = :flag AND hour_producer BETWEEN :from AND :to",
          ExpressionAttributeValues: {
            ":flag": { S: flagName },
            ":from": { S: from },
            // Keys of an hour continue with "#"; "$" sorts right after it.
            ":to": { S: `${to}$` },
          },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const hour = hourOfKey(item.hour_producer?.S ?? "");
        const tally = hours.get(hour) ?? new Tally();
        tally.addAll(tallyOfItem(item));
        hours.set(hour, tally);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return hours;
  }
}
