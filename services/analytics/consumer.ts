import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { describeError, type Logger } from "@togglemaster/shared/logger";
import type { Registry } from "@togglemaster/shared/metrics";
import { backoffMs, chunk, sleep } from "./batching.ts";
import { countByHour, type EvaluationEvent, type HourlyCount, parseEvent } from "./events.ts";
import type { EventStore } from "./store.ts";

export interface ConsumerHealth {
  started: boolean;
  /** When a poll loop last began a cycle (epoch ms). */
  lastHeartbeat: number | undefined;
  /** The last SQS call succeeded. */
  queueReachable: boolean;
  /** DynamoDB answered the last table check or write. */
  storeReachable: boolean;
}

export interface Consumer {
  start(): void;
  /** Stops polling at once (aborting long polls), then stores and deletes what was received. */
  close(): Promise<void>;
  health(): ConsumerHealth;
}

export interface ConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  store: EventStore;
  logger: Logger;
  metrics: Registry;
  /** Concurrent long polls. */
  pollers?: number;
  /** Events stored together; a multiple of 25 fills every BatchWriteItem call. */
  flushSize?: number;
  /** How long a received event may wait for a fuller batch. */
  flushDelayMs?: number;
  /** How long `close()` keeps retrying a failing store before leaving the events to SQS. */
  closeTimeoutMs?: number;
}

const RECEIVE_LIMIT = 10;
const LONG_POLL_SECONDS = 20;
/** Longer than the long poll itself, so only a hung connection times out. */
const LONG_POLL_TIMEOUT_MS = (LONG_POLL_SECONDS + 5) * 1_000;
const DELETE_LIMIT = 10;
const COUNTER_CONCURRENCY = 10;
const RETRY_CAP_MS = 5_000;
const PAUSED_POLL_MS = 200;
const BODY_PREVIEW_CHARS = 200;

interface ReceivedEvent {
  event: EvaluationEvent;
  receiptHandle: string;
  receivedAt: number;
}

/** Events being stored and the steps already done, so a retry does not repeat them. */
interface Batch {
  messages: ReceivedEvent[];
  events: EvaluationEvent[];
  eventsStored: boolean;
  countsLeft: HourlyCount[];
}

/** A dependency's last known state; logs only when it changes, not on every failed retry. */
function reachability(logger: Logger, dependency: string) {
  let state: boolean | undefined;
  return {
    get: () => state,
    set(reachable: boolean, error?: unknown) {
      if (reachable && state === false) logger.info(`${dependency} reachable again`);
      if (!reachable && state !== false)
        logger.warn(`${dependency} unreachable`, { error: describeError(error) });
      state = reachable;
    },
  };
}

function consumerMetrics(metrics: Registry, pendingEvents: () => number) {
  metrics
    .gauge("analytics_pending_events", "Events received and not yet stored")
    .track(pendingEvents);
  return {
    received: metrics.counter("analytics_messages_received_total", "SQS messages received"),
    invalid: metrics.counter(
      "analytics_messages_invalid_total",
      "Messages that are not valid events, left for the dead-letter queue",
    ),
    stored: metrics.counter("analytics_events_stored_total", "Events written to DynamoDB"),
    writeFailures: metrics.counter(
      "analytics_dynamodb_write_failures_total",
      "Failed attempts to store a batch of events",
    ),
    receiveFailures: metrics.counter(
      "analytics_sqs_receive_failures_total",
      "Failed ReceiveMessage calls",
    ),
    deleteCalls: metrics.counter("analytics_sqs_delete_calls_total", "DeleteMessageBatch calls"),
    deleteFailures: metrics.counter(
      "analytics_sqs_delete_failures_total",
      "Stored messages that could not be deleted (they will be delivered again)",
    ),
  };
}

/**
 * Moves evaluation events from SQS to DynamoDB. Pollers long-poll the queue and hand valid
 * events to one flusher, which stores them in batches: event items, then hourly counters,
 * then DeleteMessageBatch. Invalid messages are never deleted, so the queue's redrive policy
 * moves them to the dead-letter queue.
 *
 * Counting is at-least-once: event items are keyed by the MessageId, so a redelivered message
 * overwrites its item, but a message delivered again after its counters were added (its
 * delete failed, or its visibility timeout ran out while DynamoDB was down) is counted again.
 * Counting exactly once needs a conditional write per event, which BatchWriteItem cannot do
 * and which would multiply the write calls; the rare over-count is the cheaper trade-off.
 */
export function createConsumer(options: ConsumerOptions): Consumer {
  const { sqs, queueUrl, store, logger, metrics } = options;
  const pollers = options.pollers ?? 2;
  const flushSize = options.flushSize ?? 250;
  const flushDelayMs = options.flushDelayMs ?? 1_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
  const maxPending = flushSize * 2;

  const queueState = reachability(logger, "SQS");
  const storeState = reachability(logger, "DynamoDB");
  const pending: ReceivedEvent[] = [];
  const counters = consumerMetrics(metrics, () => pending.length);
  const stopPolling = new AbortController();
  let wakeFlusher = new AbortController();
  let tasks: Promise<void>[] = [];
  let closing: Promise<void> | undefined;
  let started = false;
  let stopping = false;
  let pollingStopped = false;
  let closeDeadline = Number.POSITIVE_INFINITY;
  let lastHeartbeat: number | undefined;

  /** Sleeps until `ms` pass or new work arrives; a wake-up sent before the wait is not lost. */
  const waitForWork = async (ms: number) => {
    await sleep(ms, wakeFlusher.signal);
    if (wakeFlusher.signal.aborted) wakeFlusher = new AbortController();
  };
  const notifyFlusher = () => wakeFlusher.abort();

  const receive = (wait: boolean) =>
    sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: RECEIVE_LIMIT,
        WaitTimeSeconds: wait ? LONG_POLL_SECONDS : 0,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
      { abortSignal: stopPolling.signal, requestTimeout: LONG_POLL_TIMEOUT_MS },
    );

  function leaveInvalid(message: Message, problem: string) {
    counters.invalid.inc();
    const body = message.Body ?? "";
    logger.warn("invalid event left for the dead-letter queue", {
      message_id: message.MessageId,
      receive_count: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
      problem,
      body: body.length > BODY_PREVIEW_CHARS ? `${body.slice(0, BODY_PREVIEW_CHARS)}…` : body,
      body_length: body.length,
    });
  }

  function accept(messages: Message[]) {
    counters.received.inc({}, messages.length);
    const receivedAt = Date.now();
    for (const message of messages) {
      const { MessageId, ReceiptHandle, Body } = message;
      if (MessageId === undefined || ReceiptHandle === undefined) continue;
      const parsed = parseEvent(MessageId, Body ?? "");
      if ("problem" in parsed) leaveInvalid(message, parsed.problem);
      else pending.push({ event: parsed.event, receiptHandle: ReceiptHandle, receivedAt });
    }
    notifyFlusher();
  }

  async function poll() {
    // The first receive returns at once, so readiness reflects SQS now rather than in 20 s.
    let wait = false;
    let failures = 0;
    while (!stopping) {
      lastHeartbeat = Date.now();
      // While DynamoDB is down nothing is received: messages wait in the queue instead of
      // spending receives that would send valid events to the dead-letter queue.
      if (storeState.get() === false || pending.length >= maxPending) {
        await sleep(PAUSED_POLL_MS, stopPolling.signal);
        continue;
      }
      try {
        const { Messages = [] } = await receive(wait);
        queueState.set(true);
        wait = true;
        failures = 0;
        accept(Messages);
      } catch (error) {
        if (stopping) return;
        counters.receiveFailures.inc();
        queueState.set(false, error);
        await sleep(backoffMs(failures++, 200, RETRY_CAP_MS), stopPolling.signal);
      }
    }
  }

  function newBatch(messages: ReceivedEvent[]): Batch {
    // A message delivered twice may land in one batch: still one item and one count.
    const events = [...new Map(messages.map(({ event }) => [event.eventId, event])).values()];
    return { messages, events, eventsStored: false, countsLeft: countByHour(events) };
  }

  async function writeBatch(batch: Batch) {
    if (!batch.eventsStored) {
      await store.putEvents(batch.events);
      batch.eventsStored = true;
      counters.stored.inc({}, batch.events.length);
    }
    const failed: HourlyCount[] = [];
    let failure: unknown;
    for (const counts of chunk(batch.countsLeft, COUNTER_CONCURRENCY)) {
      await Promise.all(
        counts.map((count) =>
          store.addCount(count).catch((error: unknown) => {
            failed.push(count);
            failure ??= error;
          }),
        ),
      );
    }
    batch.countsLeft = failed;
    if (failed.length > 0) throw failure;
  }

  /** Retries with backoff until stored; gives up only when closing takes too long. */
  async function storeBatch(batch: Batch): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await writeBatch(batch);
        storeState.set(true);
        return true;
      } catch (error) {
        counters.writeFailures.inc();
        storeState.set(false, error);
        const delay = backoffMs(attempt, 100, RETRY_CAP_MS);
        if (Date.now() + delay > closeDeadline) return false;
        await waitForWork(delay);
      }
    }
  }

  async function deleteMessages(messages: ReceivedEvent[]) {
    await Promise.all(
      chunk(messages, DELETE_LIMIT).map(async (group) => {
        counters.deleteCalls.inc();
        try {
          const { Failed = [] } = await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: group.map(({ receiptHandle }, index) => ({
                Id: String(index),
                ReceiptHandle: receiptHandle,
              })),
            }),
          );
          queueState.set(true);
          if (Failed.length === 0) return;
          counters.deleteFailures.inc({}, Failed.length);
          logger.warn("stored messages not deleted; SQS will deliver them again", {
            count: Failed.length,
            code: Failed[0]?.Code,
          });
        } catch (error) {
          counters.deleteFailures.inc({}, group.length);
          queueState.set(false, error);
        }
      }),
    );
  }

  let checkFailures = 0;
  async function checkStore() {
    try {
      await store.check();
      storeState.set(true);
      checkFailures = 0;
    } catch (error) {
      storeState.set(false, error);
      await waitForWork(backoffMs(checkFailures++, 100, RETRY_CAP_MS));
    }
  }

  async function flush() {
    while (true) {
      const oldest = pending[0];
      if (oldest === undefined) {
        if (pollingStopped) return;
        if (stopping || storeState.get() === true) await waitForWork(flushDelayMs);
        else await checkStore();
        continue;
      }
      const dueInMs =
        stopping || pending.length >= flushSize ? 0 : oldest.receivedAt + flushDelayMs - Date.now();
      if (dueInMs > 0) {
        await waitForWork(dueInMs);
        continue;
      }
      const batch = newBatch(pending.splice(0, flushSize));
      if (await storeBatch(batch)) {
        await deleteMessages(batch.messages);
        continue;
      }
      logger.warn("stopped with events not stored; SQS will deliver them again", {
        count: batch.messages.length + pending.length,
      });
      pending.length = 0;
      return;
    }
  }

  return {
    start() {
      if (started || stopping) return;
      started = true;
      const polling = Promise.all(Array.from({ length: pollers }, poll)).then(() => {
        pollingStopped = true;
        notifyFlusher();
      });
      tasks = [polling, flush()];
    },

    close() {
      closing ??= (async () => {
        stopping = true;
        closeDeadline = Date.now() + closeTimeoutMs;
        stopPolling.abort();
        notifyFlusher();
        await Promise.all(tasks);
      })();
      return closing;
    },

    health: () => ({
      started,
      lastHeartbeat,
      queueReachable: queueState.get() === true,
      storeReachable: storeState.get() === true,
    }),
  };
}
