import { type Clock, systemClock } from "@togglemaster/shared/clock";
import { type DecodedMessage, decodeMessage, type StoredEvent } from "@togglemaster/shared/events";
import { describeError, type Logger } from "@togglemaster/shared/logger";
import type { Registry } from "@togglemaster/shared/metrics";
import { workArrived } from "@togglemaster/shared/serve";
import { backoffMs, chunk, sleep } from "./batching.ts";
import {
  type CountedMessage,
  type CounterUpdate,
  counterUpdates,
  countsProblem,
} from "./counters.ts";
import { type ItemPolicy, KEEP_ALL, keepsItem } from "./items.ts";
import type { MessageQueue, QueuedMessage } from "./queue.ts";
import { BATCH_WRITE_LIMIT, type EventStore } from "./store.ts";

export interface ConsumerHealth {
  started: boolean;
  /** When a poll loop last began a cycle (epoch ms). */
  lastHeartbeat: number | undefined;
  /** The last SQS call succeeded. */
  queueReachable: boolean;
  /** DynamoDB answered the last table check or write. */
  storeReachable: boolean;
}

export interface ConsumerTuning {
  /** Concurrent long polls. */
  pollers: number;
  /** How long a received message may wait for others to share its writes. */
  flushDelayMs: number;
  /** Items that make a batch worth writing at once (a multiple of 25 fills every call). */
  flushItems: number;
  /** Messages held at most; polling pauses at this many, and they are stored at once. */
  maxPendingMessages: number;
  /** How long `close()` keeps retrying a failing store before leaving messages to SQS. */
  closeTimeoutMs: number;
}

const DEFAULT_TUNING: ConsumerTuning = {
  pollers: 2,
  flushDelayMs: 1_000,
  flushItems: 2_500,
  maxPendingMessages: 100,
  closeTimeoutMs: 5_000,
};

/** What the consumer writes with: the DynamoDB store, or a fake in unit tests. */
export type ConsumerStore = Omit<EventStore, "hourlyCounts">;

export interface ConsumerOptions {
  queue: MessageQueue;
  store: ConsumerStore;
  itemPolicy?: ItemPolicy;
  logger: Logger;
  metrics: Registry;
  clock?: Clock;
  tuning?: Partial<ConsumerTuning>;
  /** Called once, when the first messages arrive (serve.ts). */
  onWork?: () => void;
}

const WRITE_CONCURRENCY = 8;
const RETRY_CAP_MS = 5_000;
const PAUSED_POLL_MS = 200;
const BODY_PREVIEW_CHARS = 200;

/** A valid message waiting to be stored. */
interface PendingMessage {
  /** The v1 MessageId, or the v2 producer and number: the same however often SQS delivers it. */
  identity: string;
  receiptHandle: string;
  receivedAt: number;
  /** The events kept as items. */
  items: StoredEvent[];
  counted: CountedMessage;
}

/** Messages stored together, and the writes still to do: a retry does not repeat the others. */
class Batch {
  readonly receiptHandles: string[];
  itemChunks: StoredEvent[][];
  counters: CounterUpdate[];

  constructor(messages: readonly PendingMessage[]) {
    // A message SQS delivered twice into one batch is stored once; both copies are deleted.
    const distinct = [...new Map(messages.map((message) => [message.identity, message])).values()];
    this.receiptHandles = messages.map((message) => message.receiptHandle);
    this.itemChunks = chunk(
      distinct.flatMap((message) => message.items),
      BATCH_WRITE_LIMIT,
    );
    this.counters = counterUpdates(distinct.map((message) => message.counted));
  }
}

/**
 * Runs `work` on the tasks, `concurrency` at a time, stopping after a group in which one
 * failed. Answers the tasks not done, and the failure.
 */
async function runInGroups<T>(
  tasks: readonly T[],
  concurrency: number,
  work: (task: T) => Promise<void>,
): Promise<{ left: T[]; failure?: { error: unknown } }> {
  for (let start = 0; start < tasks.length; start += concurrency) {
    const group = tasks.slice(start, start + concurrency);
    const results = await Promise.allSettled(group.map(work));
    const rejected = results.flatMap((result) => (result.status === "rejected" ? [result] : []));
    if (rejected.length > 0)
      return {
        left: [
          ...group.filter((_, index) => results[index]?.status === "rejected"),
          ...tasks.slice(start + concurrency),
        ],
        failure: { error: rejected[0]?.reason },
      };
  }
  return { left: [] };
}

/** A dependency's last known state; logs only when it changes, not on every failed retry. */
class Reachability {
  private state: boolean | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly dependency: string,
  ) {}

  get up(): boolean {
    return this.state === true;
  }

  get down(): boolean {
    return this.state === false;
  }

  set(reachable: boolean, error?: unknown) {
    if (reachable && this.state === false) this.logger.info(`${this.dependency} reachable again`);
    if (!reachable && this.state !== false)
      this.logger.warn(`${this.dependency} unreachable`, { error: describeError(error) });
    this.state = reachable;
  }
}

const identityOf = (
  message: QueuedMessage,
  decoded: Exclude<DecodedMessage, { problem: string }>,
) => (decoded.version === 1 ? message.messageId : `${decoded.producer}:${decoded.seq}`);

const countedOf = (decoded: Exclude<DecodedMessage, { problem: string }>): CountedMessage => ({
  source: decoded.version === 1 ? undefined : { producer: decoded.producer, seq: decoded.seq },
  counts: decoded.counts,
});

/**
 * Moves evaluation events from SQS to DynamoDB. Pollers long-poll the queue and hand valid
 * messages to one flusher, which stores them in batches: the event items the item policy
 * keeps, then the counters, then DeleteMessageBatch.
 *
 * - Store, then delete: a message is deleted only once its items are written and its counts
 *   added. A failed store is retried with backoff and nothing is deleted meanwhile; once
 *   `close()`'s deadline passes the messages are left to SQS, which delivers them again.
 * - An invalid message is never deleted: the queue's redrive policy moves it to the
 *   dead-letter queue after a few receives.
 * - A batch holds each message once, however many copies of it SQS delivered into it.
 * - A v2 message's counts are added exactly once however often it arrives (store.ts); a v1
 *   message has no identity beyond its MessageId, so its counts are added again when it is
 *   delivered again after its counts were added (its delete failed or was too late): v1
 *   counting is at least once. Items are keyed by event id, so a redelivery overwrites them.
 * - While DynamoDB is unreachable nothing is received: messages wait in the queue instead of
 *   using up receives that would move valid messages to the dead-letter queue.
 */
export class Consumer {
  private readonly queue: MessageQueue;
  private readonly store: ConsumerStore;
  private readonly itemPolicy: ItemPolicy;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly tuning: ConsumerTuning;
  private readonly metrics;
  private readonly queueState: Reachability;
  private readonly storeState: Reachability;
  private onWork: (() => void) | undefined;

  private lifecycle: "idle" | "running" | "closing" | "draining" | "closed" = "idle";
  private readonly pending: PendingMessage[] = [];
  private pendingItems = 0;
  /** The batch being stored and deleted. */
  private storing: Batch | undefined;
  private readonly stopPolling = new AbortController();
  private wake = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private closeDeadline = Number.POSITIVE_INFINITY;
  private lastHeartbeat: number | undefined;
  private checkFailures = 0;

  constructor(options: ConsumerOptions) {
    this.queue = options.queue;
    this.store = options.store;
    this.itemPolicy = options.itemPolicy ?? KEEP_ALL;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.onWork = options.onWork ?? workArrived;
    this.queueState = new Reachability(this.logger, "SQS");
    this.storeState = new Reachability(this.logger, "DynamoDB");
    const { metrics } = options;
    metrics
      .gauge("analytics_pending_messages", "Messages received and not yet stored and deleted")
      .track(() => this.pending.length + (this.storing?.receiptHandles.length ?? 0));
    this.metrics = {
      received: metrics.counter("analytics_messages_received_total", "SQS messages received"),
      invalid: metrics.counter(
        "analytics_messages_invalid_total",
        "Messages that cannot be read, left for the dead-letter queue",
      ),
      stored: metrics.counter("analytics_events_stored_total", "Event items written"),
      notKept: metrics.counter(
        "analytics_events_not_kept_total",
        "Events the item policy does not keep as items (they are counted all the same)",
      ),
      countsSkipped: metrics.counter(
        "analytics_counts_already_added_total",
        "Message counts a counter already held: redeliveries, not added again",
      ),
      writeFailures: metrics.counter(
        "analytics_dynamodb_write_failures_total",
        "Failed attempts to store a batch",
      ),
      receiveFailures: metrics.counter(
        "analytics_sqs_receive_failures_total",
        "Failed ReceiveMessage calls",
      ),
      deleteFailures: metrics.counter(
        "analytics_sqs_delete_failures_total",
        "Stored messages that could not be deleted (they will be delivered again)",
      ),
    };
  }

  start(): void {
    if (this.lifecycle !== "idle") return;
    this.lifecycle = "running";
    const polling = Promise.all(Array.from({ length: this.tuning.pollers }, () => this.poll()));
    this.running = Promise.all([
      polling.then(() => {
        this.lifecycle = "draining";
        this.notifyFlusher();
      }),
      this.flush(),
    ]).then(() => {});
  }

  /** Stops polling at once (aborting long polls), then stores and deletes what was received. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.lifecycle === "running") {
        this.lifecycle = "closing";
        this.closeDeadline = this.clock.now() + this.tuning.closeTimeoutMs;
        this.stopPolling.abort();
        this.notifyFlusher();
        await this.running;
      }
      this.lifecycle = "closed";
    })();
    return this.closing;
  }

  health(): ConsumerHealth {
    return {
      started: this.lifecycle !== "idle",
      lastHeartbeat: this.lastHeartbeat,
      queueReachable: this.queueState.up,
      storeReachable: this.storeState.up,
    };
  }

  /** Sleeps until `ms` pass or new work arrives; a wake-up sent before the wait is not lost. */
  private async waitForWork(ms: number) {
    await sleep(this.clock, ms, this.wake.signal);
    if (this.wake.signal.aborted) this.wake = new AbortController();
  }

  private notifyFlusher() {
    this.wake.abort();
  }

  private async poll() {
    const { signal } = this.stopPolling;
    // The first receive returns at once, so readiness reflects SQS now rather than in 20 s.
    let wait = false;
    let failures = 0;
    while (!signal.aborted) {
      this.lastHeartbeat = this.clock.now();
      if (this.storeState.down || this.pending.length >= this.tuning.maxPendingMessages) {
        await sleep(this.clock, PAUSED_POLL_MS, signal);
        continue;
      }
      try {
        const messages = await this.queue.receive(wait, signal);
        this.queueState.set(true);
        wait = true;
        failures = 0;
        this.accept(messages);
      } catch (error) {
        if (signal.aborted) return;
        this.metrics.receiveFailures.inc();
        this.queueState.set(false, error);
        await sleep(this.clock, backoffMs(failures++, 200, RETRY_CAP_MS), signal);
      }
    }
  }

  private accept(messages: readonly QueuedMessage[]) {
    if (messages.length > 0 && this.onWork !== undefined) {
      this.onWork();
      this.onWork = undefined;
    }
    this.metrics.received.inc({}, messages.length);
    const receivedAt = this.clock.now();
    for (const message of messages) {
      const decoded = decodeMessage(message.messageId, message.body);
      if ("problem" in decoded) {
        this.leaveInvalid(message, decoded.problem);
        continue;
      }
      const counted = countedOf(decoded);
      const problem = countsProblem(counted);
      if (problem !== undefined) {
        this.leaveInvalid(message, problem);
        continue;
      }
      const items = decoded.events.filter((event) => keepsItem(this.itemPolicy, event));
      this.metrics.notKept.inc({}, decoded.events.length - items.length);
      this.pending.push({
        identity: identityOf(message, decoded),
        receiptHandle: message.receiptHandle,
        receivedAt,
        items,
        counted,
      });
      this.pendingItems += items.length;
    }
    this.notifyFlusher();
  }

  private leaveInvalid(message: QueuedMessage, problem: string) {
    this.metrics.invalid.inc();
    const { body } = message;
    this.logger.warn("invalid message left for the dead-letter queue", {
      message_id: message.messageId,
      receive_count: message.receiveCount,
      problem,
      body: body.length > BODY_PREVIEW_CHARS ? `${body.slice(0, BODY_PREVIEW_CHARS)}…` : body,
      body_length: body.length,
    });
  }

  /** Stores what is pending when it is due; returns once closing and nothing is left. */
  private async flush() {
    for (;;) {
      const oldest = this.pending[0];
      if (oldest === undefined) {
        if (this.lifecycle === "draining") return;
        if (this.lifecycle === "closing" || this.storeState.up)
          await this.waitForWork(this.tuning.flushDelayMs);
        else await this.checkStore();
        continue;
      }
      const storeNow =
        this.lifecycle !== "running" ||
        this.pending.length >= this.tuning.maxPendingMessages ||
        this.pendingItems >= this.tuning.flushItems;
      const dueInMs = storeNow
        ? 0
        : oldest.receivedAt + this.tuning.flushDelayMs - this.clock.now();
      if (dueInMs > 0) {
        await this.waitForWork(dueInMs);
        continue;
      }
      const batch = new Batch(this.pending.splice(0));
      this.pendingItems = 0;
      this.storing = batch;
      const stored = await this.storeBatch(batch);
      if (stored) await this.deleteBatch(batch);
      this.storing = undefined;
      if (stored) continue;
      this.logger.warn("stopped with messages not stored; SQS will deliver them again", {
        count: batch.receiptHandles.length + this.pending.length,
      });
      this.pending.length = 0;
      return;
    }
  }

  /** Retries with backoff until stored; gives up only when closing takes too long. */
  private async storeBatch(batch: Batch): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const failure = await this.writeBatch(batch);
      if (failure === undefined) {
        this.storeState.set(true);
        return true;
      }
      this.metrics.writeFailures.inc();
      this.storeState.set(false, failure.error);
      const delay = backoffMs(attempt, 100, RETRY_CAP_MS);
      if (this.clock.now() + delay > this.closeDeadline) return false;
      await this.waitForWork(delay);
    }
  }

  private async writeBatch(batch: Batch) {
    const items = await runInGroups(batch.itemChunks, WRITE_CONCURRENCY, async (events) => {
      await this.store.putEvents(events);
      this.metrics.stored.inc({}, events.length);
    });
    batch.itemChunks = items.left;
    if (items.failure !== undefined) return items.failure;
    const counters = await runInGroups(batch.counters, WRITE_CONCURRENCY, async (update) => {
      this.metrics.countsSkipped.inc({}, await this.store.addCounts(update));
    });
    batch.counters = counters.left;
    return counters.failure;
  }

  private async deleteBatch(batch: Batch) {
    const { failed, error } = await this.queue.delete(batch.receiptHandles);
    this.queueState.set(error === undefined, error);
    if (failed === 0) return;
    this.metrics.deleteFailures.inc({}, failed);
    this.logger.warn("stored messages not deleted; SQS will deliver them again", {
      count: failed,
    });
  }

  private async checkStore() {
    try {
      await this.store.check();
      this.storeState.set(true);
      this.checkFailures = 0;
    } catch (error) {
      this.storeState.set(false, error);
      await this.waitForWork(backoffMs(this.checkFailures++, 100, RETRY_CAP_MS));
    }
  }
}
