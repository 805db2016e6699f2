/**
 * Test support for analytics-service: the service on the local SQS and DynamoDB emulators,
 * v1 and v2 messages to feed it, and, for the consumer's unit tests, a fake queue and a
 * fake store that record what the consumer does with them.
 */

import { afterAll, beforeAll } from "bun:test";
import { type AttributeValue, QueryCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { SendMessageBatchCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { KeyValidator } from "@togglemaster/shared/auth-guard";
import type { Clock } from "@togglemaster/shared/clock";
import {
  type Count,
  EnvelopeWriter,
  type EvaluationEvent,
  isoHour,
  MAX_ENVELOPE_BYTES,
  type StoredEvent,
} from "@togglemaster/shared/events";
import { Registry } from "@togglemaster/shared/metrics";
import {
  type AwsLocal,
  createQueue,
  DEFAULT_RESOURCES,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  queueDepth as messagesInQueue,
  startAwsLocal,
} from "../../scripts/aws-local.ts";
import { dynamoClient, sqsClient } from "../../services/analytics/aws.ts";
import { readConfig } from "../../services/analytics/config.ts";
import type { ConsumerStore, ConsumerTuning } from "../../services/analytics/consumer.ts";
import type { CounterUpdate } from "../../services/analytics/counters.ts";
import type { DeleteOutcome, MessageQueue, QueuedMessage } from "../../services/analytics/queue.ts";
import { createAnalyticsService } from "../../services/analytics/service.ts";
import { PACK_SLICE } from "../../services/evaluation/events.ts";
import { listen, memoryLogger, waitFor } from "./testing.ts";

// ─── the service on the emulators ───────────────────────────────────────────────────────

export interface AnalyticsFixtureOptions {
  queueUrl: string;
  sqsEndpoint: string;
  dynamoEndpoint: string;
  /** More of the service's environment, e.g. `ANALYTICS_EVENT_ITEMS`. */
  env?: Record<string, string>;
  clock?: Clock;
  tuning?: Partial<ConsumerTuning>;
  /** Start the consumer at once (default) or leave it to the test. */
  start?: boolean;
  /** The auth-service guarding the counters route; none means API keys cannot be checked. */
  auth?: { url: string; jwtSecret: string };
  /** Stands in for auth-service where auth is not what a test is about. */
  validateKey?: KeyValidator;
}

export const awsClients = (sqsEndpoint: string, dynamoEndpoint: string) => {
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  return {
    sqs: sqsClient({ ...common, endpoint: sqsEndpoint }),
    dynamo: dynamoClient({ ...common, endpoint: dynamoEndpoint }),
  };
};

export type AwsClients = ReturnType<typeof awsClients>;

/** analytics-service built as `main` builds it, with clients the test can observe. */
export function startAnalytics(options: AnalyticsFixtureOptions) {
  const auth = options.auth ?? {
    url: "http://127.0.0.1:1",
    jwtSecret: "no-auth-service-for-this-fixture-0123",
  };
  const config = readConfig({
    AUTH_SERVICE_URL: auth.url,
    JWT_SECRET: auth.jwtSecret,
    AWS_SQS_URL: options.queueUrl,
    AWS_DYNAMODB_TABLE: DEFAULT_RESOURCES.eventsTable,
    AWS_DYNAMODB_COUNTERS_TABLE: DEFAULT_RESOURCES.countersTable,
    ...options.env,
  });
  const clients = awsClients(options.sqsEndpoint, options.dynamoEndpoint);
  const metrics = new Registry();
  const logger = memoryLogger("analytics");
  const service = createAnalyticsService(config, {
    ...clients,
    logger,
    metrics,
    clock: options.clock,
    validateKey: options.validateKey,
    tuning: { flushDelayMs: 50, ...options.tuning },
    startConsumer: false,
  });
  const url = listen(service.app);
  if (options.start ?? true) service.consumer.start();
  let stopping: Promise<void> | undefined;
  return {
    url,
    queueUrl: options.queueUrl,
    consumer: service.consumer,
    metrics,
    logger,
    /** The service's own clients: middleware added before `consumer.start()` sees every call. */
    clients,
    /** The sum of a metric's series, optionally only those whose labels contain `labels`. */
    metric: (name: string, labels = "") => metricValue(metrics, name, labels),
    /** Waits until the queue is empty and the service holds no message: all stored and deleted. */
    drained: (timeoutMs = 20_000) =>
      waitFor(
        "every message stored and deleted",
        async () =>
          (await messagesInQueue(clients.sqs, options.queueUrl)) === 0 &&
          metricValue(metrics, "analytics_pending_messages") === 0,
        timeoutMs,
      ),
    stop: () => {
      stopping ??= (async () => {
        await service.close();
        await service.app.stop();
      })();
      return stopping;
    },
  };
}

export type AnalyticsFixture = ReturnType<typeof startAnalytics>;

/**
 * The emulators for the tests of one file: started before them, stopped after them with
 * every service `analytics()` started.
 */
export function useEmulators(defaults: Partial<AnalyticsFixtureOptions> = {}) {
  let local: AwsLocal | undefined;
  let clients: AwsClients | undefined;
  const running: AnalyticsFixture[] = [];
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the emulators start before the tests");
    return value;
  };

  beforeAll(async () => {
    local = await startAwsLocal();
    clients = awsClients(local.sqsEndpoint, local.dynamoEndpoint);
  });

  afterAll(async () => {
    await Promise.all(running.map((fixture) => fixture.stop()));
    clients?.sqs.destroy();
    clients?.dynamo.destroy();
    await local?.stop();
  });

  /** A queue of its own (with its dead-letter queue), so a test sees only its messages. */
  async function freshQueue(visibilityTimeoutSeconds?: number) {
    const queue = await createQueue(started(local).sqsEndpoint, uniqueName("analytics"));
    if (visibilityTimeoutSeconds !== undefined)
      await started(clients).sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: queue.queueUrl,
          Attributes: { VisibilityTimeout: String(visibilityTimeoutSeconds) },
        }),
      );
    return queue;
  }

  return {
    get local() {
      return started(local);
    },
    /** Clients of the test itself, to send messages and read the tables. */
    get clients() {
      return started(clients);
    },
    freshQueue,
    /** analytics-service on the emulators, on a fresh queue unless `queueUrl` is given. */
    async analytics(options: Partial<AnalyticsFixtureOptions> = {}) {
      const { sqsEndpoint, dynamoEndpoint } = started(local);
      const fixture = startAnalytics({
        queueUrl: options.queueUrl ?? (await freshQueue()).queueUrl,
        sqsEndpoint,
        dynamoEndpoint,
        ...defaults,
        ...options,
      });
      running.push(fixture);
      return fixture;
    },
  };
}

export function metricValue(metrics: Registry, name: string, labels = ""): number {
  return metrics
    .render()
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => line.includes(labels))
    .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

// ─── messages ───────────────────────────────────────────────────────────────────────────

/** A v1 message body. */
export interface V1Event {
  user_id: string;
  flag_name: string;
  result: boolean;
  timestamp: string;
}

/** SQS takes at most 10 messages and 256 KiB per SendMessageBatch call. */
const SEND_BATCH_BYTES = 256 * 1024;

/** Sends raw bodies and returns their MessageIds in order. */
export async function sendBodies(
  clients: AwsClients,
  queueUrl: string,
  bodies: readonly string[],
): Promise<string[]> {
  const groups: { index: number; body: string }[][] = [];
  let group: { index: number; body: string }[] = [];
  let bytes = 0;
  for (const [index, body] of bodies.entries()) {
    const size = Buffer.byteLength(body);
    if (group.length === 10 || bytes + size > SEND_BATCH_BYTES) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push({ index, body });
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  const ids: string[] = [];
  for (const entries of groups) {
    const { Successful = [], Failed = [] } = await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: entries.map(({ index, body }) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    if (Failed.length > 0) throw new Error(`send failed: ${JSON.stringify(Failed)}`);
    for (const entry of Successful) ids[Number(entry.Id)] = entry.MessageId as string;
  }
  return ids;
}

export const sendV1Events = (clients: AwsClients, queueUrl: string, events: V1Event[]) =>
  sendBodies(
    clients,
    queueUrl,
    events.map((event) => JSON.stringify(event)),
  );

/** The exact hourly counts of evaluations, as evaluation ships them. */
function countsOf(events: readonly EvaluationEvent[]): Count[] {
  const counts = new Map<string, Count>();
  for (const { flagName, time, variant, result } of events) {
    const hour = isoHour(time);
    const key = JSON.stringify([flagName, hour, variant, result]);
    const count = counts.get(key) ?? { flagName, hour, variant, result, evaluations: 0 };
    count.evaluations++;
    counts.set(key, count);
  }
  return [...counts.values()];
}

/** Room left in a message for its counts. */
const COUNTS_ROOM = 4_096;

/**
 * v2 message bodies as evaluation writes them (compressed): as many events as fit in one
 * message, numbered from `firstSeq`, each message carrying the counts of its own events.
 */
export function envelopeBodies(
  producer: string,
  events: readonly EvaluationEvent[],
  firstSeq = 1,
  /** The JSON each message may hold: smaller makes more messages of the same events. */
  jsonBytes = MAX_ENVELOPE_BYTES,
): string[] {
  const bodies: string[] = [];
  let next = 0;
  for (let seq = firstSeq; next < events.length; seq++) {
    const start = (events[next] as EvaluationEvent).time;
    const sizing = new EnvelopeWriter(producer, seq, start, jsonBytes - COUNTS_ROOM);
    const taken: EvaluationEvent[] = [];
    for (let event = events[next]; event !== undefined && sizing.addEvent(event); ) {
      taken.push(event);
      event = events[++next];
    }
    const writer = new EnvelopeWriter(producer, seq, start, jsonBytes);
    // Compressed a part at a time, as the publisher does after each slice it packs.
    for (const [index, event] of taken.entries()) {
      writer.addEvent(event);
      if (index % PACK_SLICE === PACK_SLICE - 1) writer.compressAdded();
    }
    for (const count of countsOf(taken))
      if (!writer.addCount(count)) throw new Error("the counts do not fit in the message");
    bodies.push(writer.encode());
  }
  return bodies;
}

/** The flags of `evaluations`: two boolean flags and a string one. */
export const FLAGS = ["checkout", "search", "theme"];
const RUN_START = Date.parse("2026-12-02T16:40:00Z");

/** `count` evaluations of `FLAGS` spread over two hours; `theme` serves `dark` or `light`. */
export function evaluations(count: number, flags = FLAGS): EvaluationEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const flagName = flags[index % flags.length] as string;
    const on = index % 7 < 3;
    const time = RUN_START + Math.floor((index * 2 * 3_600_000) / count);
    const userId = `user-${index}`;
    return flagName === flags[2]
      ? { time, userId, flagName, result: null, variant: on ? "dark" : "light" }
      : { time, userId, flagName, result: on, variant: on ? "on" : "off" };
  });
}

// ─── what analytics stored ──────────────────────────────────────────────────────────────

/** Messages still in the queue, visible or in flight. */
export const queueDepth = (clients: AwsClients, queueUrl: string) =>
  messagesInQueue(clients.sqs, queueUrl);

/** Every event item of one flag. */
export async function itemsOfFlag(clients: AwsClients, flagName: string) {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await clients.dynamo.send(
      new ScanCommand({
        TableName: DEFAULT_RESOURCES.eventsTable,
        FilterExpression: "flag_name = :flag",
        ExpressionAttributeValues: { ":flag": { S: flagName } },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/** Every counter item of one flag. */
export async function counterItemsOfFlag(clients: AwsClients, flagName: string) {
  const { Items = [] } = await clients.dynamo.send(
    new QueryCommand({
      TableName: DEFAULT_RESOURCES.countersTable,
      KeyConditionExpression: "flag_name = :flag",
      ExpressionAttributeValues: { ":flag": { S: flagName } },
    }),
  );
  return Items;
}

export interface HourCounts {
  true: number;
  false: number;
  variants: Record<string, number>;
}

/** The sums of `hour`, started at zero. */
function sumsOf(byHour: Record<string, HourCounts>, hour: string): HourCounts {
  byHour[hour] ??= { true: 0, false: 0, variants: {} };
  return byHour[hour];
}

/** A flag's counter items summed per hour, as the counters route sums them. */
export async function countersByHour(clients: AwsClients, flag: string) {
  const byHour: Record<string, HourCounts> = {};
  const number = (value: AttributeValue | undefined) => Number(value?.N ?? 0);
  for (const item of await counterItemsOfFlag(clients, flag)) {
    const sums = sumsOf(byHour, (item.hour_producer?.S ?? "").split("#")[0] as string);
    sums.true += number(item.true_count);
    sums.false += number(item.false_count);
    for (const [name, value] of Object.entries(item)) {
      if (!name.startsWith("variant:")) continue;
      const variant = name.slice("variant:".length);
      sums.variants[variant] = (sums.variants[variant] ?? 0) + number(value);
    }
  }
  return byHour;
}

/** What the counters must say about a flag's evaluations, per hour. */
export function expectedByHour(events: readonly EvaluationEvent[], flag: string) {
  const byHour: Record<string, HourCounts> = {};
  for (const event of events) {
    if (event.flagName !== flag) continue;
    const sums = sumsOf(byHour, isoHour(event.time));
    if (event.result === true) sums.true++;
    if (event.result === false) sums.false++;
    sums.variants[event.variant] = (sums.variants[event.variant] ?? 0) + 1;
  }
  return byHour;
}

export const uniqueName = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

// ─── fakes for the consumer's unit tests ────────────────────────────────────────────────

/** What the fakes were asked to do, in order: `put <event id>`, `count …`, `delete <message id>`. */
export type Journal = string[];

/** A queue in memory: receiving with `wait` blocks until a message is delivered. */
export class FakeQueue implements MessageQueue {
  private readonly visible: QueuedMessage[] = [];
  private readonly messageIds = new Map<string, string>();
  private wakeReceivers: (() => void)[] = [];
  private handles = 0;

  constructor(private readonly journal: Journal) {}

  /** Makes a message visible; the same id again is a redelivery of that message. */
  deliver(body: string, messageId: string): void {
    const receiptHandle = `receipt-${++this.handles}`;
    this.messageIds.set(receiptHandle, messageId);
    this.visible.push({ messageId, receiptHandle, body, receiveCount: 1 });
    for (const wake of this.wakeReceivers.splice(0)) wake();
  }

  /** Messages delivered and not yet received. */
  get waiting(): number {
    return this.visible.length;
  }

  async receive(wait: boolean, signal: AbortSignal): Promise<QueuedMessage[]> {
    if (wait && this.visible.length === 0)
      await new Promise<void>((resolve) => {
        this.wakeReceivers.push(resolve);
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    if (signal.aborted) throw new DOMException("The receive was aborted", "AbortError");
    return this.visible.splice(0, 10);
  }

  async delete(receiptHandles: readonly string[]): Promise<DeleteOutcome> {
    for (const handle of receiptHandles) this.journal.push(`delete ${this.messageIds.get(handle)}`);
    return { failed: 0 };
  }

  /** Message ids deleted, one per delete. */
  deleted(): string[] {
    return this.journal.flatMap((entry) =>
      entry.startsWith("delete ") ? [entry.slice("delete ".length)] : [],
    );
  }
}

/** A store in memory recording every write; `down` fails every call, `countsDown` counter writes. */
export class FakeStore implements ConsumerStore {
  down = false;
  countsDown = false;
  readonly items: StoredEvent[] = [];
  readonly updates: CounterUpdate[] = [];

  constructor(private readonly journal: Journal) {}

  private answer() {
    if (this.down) throw new Error("DynamoDB is down");
  }

  async check(): Promise<void> {
    this.answer();
  }

  async putEvents(events: readonly StoredEvent[]): Promise<void> {
    this.answer();
    for (const event of events) this.journal.push(`put ${event.eventId}`);
    this.items.push(...events);
  }

  async addCounts(update: CounterUpdate): Promise<number> {
    this.answer();
    if (this.countsDown) throw new Error("the counters table is unavailable");
    this.journal.push(`count ${update.flagName} ${update.key}`);
    this.updates.push(update);
    return 0;
  }

  /** True and false results added per hour, from every update: `{hour: [true, false]}`. */
  resultsByHour(flagName: string): Record<string, [number, number]> {
    const byHour: Record<string, [number, number]> = {};
    for (const { flagName: flag, hour, tally } of this.updates) {
      if (flag !== flagName) continue;
      const [trueCount, falseCount] = byHour[hour] ?? [0, 0];
      byHour[hour] = [trueCount + tally.trueCount, falseCount + tally.falseCount];
    }
    return byHour;
  }
}
