/**
 * Evaluation events for analytics, sent to SQS without ever slowing or failing an
 * evaluation: `record` writes four array slots; a background sender drains the buffer
 * with `SendMessageBatch` (10 messages a call, a few calls at a time, no event waiting
 * more than 100 ms), retries what failed, and when SQS is away keeps the newest events up
 * to a bound, dropping (and counting) the oldest.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { describeError, type Logger } from "@togglemaster/shared/logger";
import type { Registry } from "@togglemaster/shared/metrics";

export interface EventSink {
  record(userId: string, flagName: string, result: boolean): void;
  /** Sends what is buffered (bounded in time) and stops. */
  close(): Promise<void>;
}

/** The sink when no queue is configured. */
export const discardEvents: EventSink = { record() {}, close: async () => {} };

export interface EventPublisherOptions {
  sqs: SQSClient;
  queueUrl: string;
  logger: Logger;
  metrics: Registry;
  capacity?: number;
  flushIntervalMs?: number;
  concurrentBatches?: number;
  closeTimeoutMs?: number;
  now?: () => number;
}

const BATCH_SIZE = 10;
const MAX_BACKOFF_MS = 2_000;

interface PendingEvent {
  userId: string;
  flagName: string;
  result: boolean;
  time: number;
}

export function createEventPublisher({
  sqs,
  queueUrl,
  logger,
  metrics,
  capacity = 100_000,
  flushIntervalMs = 100,
  concurrentBatches = 8,
  closeTimeoutMs = 5_000,
  now = Date.now,
}: EventPublisherOptions): EventSink {
  // A ring buffer of parallel arrays: recording an event allocates nothing.
  const users = new Array<string>(capacity).fill("");
  const flags = new Array<string>(capacity).fill("");
  const results = new Uint8Array(capacity);
  const times = new Float64Array(capacity);
  let head = 0;
  let size = 0;

  let inFlight = 0;
  let pausedUntil = 0;
  let backoffMs = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pumpQueued = false;
  let closing = false;
  let closed = false;

  const sent = metrics.counter("evaluation_events_sent_total", "Events accepted by SQS");
  const calls = metrics.counter("evaluation_events_send_calls_total", "SendMessageBatch calls");
  const dropped = metrics.counter(
    "evaluation_events_dropped_total",
    "Events dropped: buffer full while SQS was unavailable, or rejected by SQS",
  );
  metrics.gauge("evaluation_events_buffered", "Events waiting to be sent").track(() => size);

  const slot = (index: number) => (head + index) % capacity;

  const pushBack = (userId: string, flagName: string, result: boolean, time: number) => {
    if (size === capacity) {
      head = slot(1);
      size--;
      dropped.inc();
    }
    const at = slot(size);
    users[at] = userId;
    flags[at] = flagName;
    results[at] = result ? 1 : 0;
    times[at] = time;
    size++;
  };

  /** Puts failed events back where they were, at the front; when full they are the oldest. */
  const requeue = (events: PendingEvent[]) => {
    for (let index = events.length - 1; index >= 0; index--) {
      const event = events[index] as PendingEvent;
      if (size === capacity) {
        dropped.inc();
        continue;
      }
      head = (head - 1 + capacity) % capacity;
      users[head] = event.userId;
      flags[head] = event.flagName;
      results[head] = event.result ? 1 : 0;
      times[head] = event.time;
      size++;
    }
  };

  const take = (count: number): PendingEvent[] => {
    const taken: PendingEvent[] = [];
    for (let index = 0; index < count; index++) {
      const at = slot(0);
      taken.push({
        userId: users[at] as string,
        flagName: flags[at] as string,
        result: results[at] === 1,
        time: times[at] as number,
      });
      users[at] = "";
      flags[at] = "";
      head = slot(1);
      size--;
    }
    return taken;
  };

  const send = async (events: PendingEvent[]) => {
    inFlight++;
    calls.inc();
    const entries: SendMessageBatchRequestEntry[] = events.map((event, index) => ({
      Id: String(index),
      MessageBody: messageBody(event),
    }));
    try {
      const output = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
      );
      sent.inc({}, output.Successful?.length ?? 0);
      const retry: PendingEvent[] = [];
      for (const failure of output.Failed ?? []) {
        const event = events[Number(failure.Id)];
        if (event === undefined) continue;
        if (failure.SenderFault) {
          dropped.inc();
          logger.warn("event rejected by SQS", { code: failure.Code, message: failure.Message });
        } else {
          retry.push(event);
        }
      }
      requeue(retry);
      backoffMs = 0;
    } catch (error) {
      requeue(events);
      backoffMs = Math.min(Math.max(backoffMs * 2, 100), MAX_BACKOFF_MS);
      pausedUntil = now() + backoffMs;
      if (backoffMs === 100)
        logger.warn("events not sent, retrying", { error: describeError(error), buffered: size });
    } finally {
      inFlight--;
      pump();
    }
  };

  /** Starts as many batches as allowed; a partial batch only once its oldest event is due. */
  function pump() {
    pumpQueued = false;
    if (closed) return;
    const at = now();
    while (inFlight < concurrentBatches && size > 0 && at >= pausedUntil) {
      const due = closing || size >= BATCH_SIZE || at - (times[head] as number) >= flushIntervalMs;
      if (!due) break;
      void send(take(Math.min(size, BATCH_SIZE)));
    }
    if (size > 0 && timer === undefined && inFlight < concurrentBatches) {
      const wait = Math.max(pausedUntil - at, (times[head] as number) + flushIntervalMs - at, 1);
      timer = setTimeout(() => {
        timer = undefined;
        pump();
      }, wait);
    }
  }

  return {
    record(userId, flagName, result) {
      if (closed) return;
      const time = now();
      pushBack(userId, flagName, result, time);
      if (pumpQueued || inFlight >= concurrentBatches || time < pausedUntil) return;
      // Sending starts on a later turn of the event loop, once this response is on its way.
      if (size >= BATCH_SIZE || timer === undefined) {
        pumpQueued = true;
        setTimeout(pump, 0);
      }
    },

    async close() {
      closing = true;
      const deadline = now() + closeTimeoutMs;
      pump();
      while ((size > 0 || inFlight > 0) && now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        pump();
      }
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (size > 0) {
        logger.warn("events dropped at shutdown", { count: size });
        dropped.inc({}, size);
        take(size);
      }
      sqs.destroy();
    },
  };
}

/**
 * `{"user_id","flag_name","result","timestamp"}`. SQS refuses U+FFFE and U+FFFF, which
 * JSON leaves as they are, so they are written as JSON escapes (the same text once parsed).
 */
export function messageBody({ userId, flagName, result, time }: PendingEvent): string {
  const body = JSON.stringify({
    user_id: userId,
    flag_name: flagName,
    result,
    timestamp: new Date(time).toISOString(),
  });
  return body.replace(
    /[\uFFFE\uFFFF]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16)}`,
  );
}
