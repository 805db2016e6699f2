/**
 * Evaluation events for analytics, sent to SQS without ever slowing or failing an
 * evaluation. Recording one is a few array writes and one counter increment. Off the request
 * path, timers pack what was recorded into the open v2 envelope a slice at a time and
 * compress it a part at a time (services/shared/events.ts: thousands of events a message),
 * seal it when it is full or its oldest event has waited `flushIntervalMs`, and ship sealed
 * messages, several to a call, with `SendMessageBatch` in a later turn of the event loop: no
 * step holds the loop for more than about a millisecond, so requests never queue behind a
 * whole batch.
 *
 * - Counts are exact: every evaluation is tallied per (flag, hour, variant), even when its
 *   event is dropped, and the tallies ship every `countsIntervalMs`.
 * - A message keeps its (producer, seq) when it is retried, so analytics applies its counts
 *   once however often it arrives, and its items overwrite themselves.
 * - While SQS is unreachable, messages are retried with backoff and new events wait in a
 *   bounded ring; when the ring is full the oldest events are dropped and counted.
 * - `close()` sends what is left, bounded in time (graceful shutdown).
 *
 * A worker thread would take the packing and the SDK off the request loop's core too, but
 * costs a second JavaScript heap (over 8 MiB of private memory) to save about a microsecond
 * per evaluation.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { type Clock, systemClock, type Timer } from "@togglemaster/shared/clock";
import { type Count, EnvelopeWriter, HOUR_MS, isoHour } from "@togglemaster/shared/events";
import { describeError, type Logger } from "@togglemaster/shared/logger";
import type { Registry } from "@togglemaster/shared/metrics";

export interface EventSink {
  /** One evaluation: `result` is the boolean answer, null for a non-boolean flag. */
  record(userId: string, flagName: string, result: boolean | null, variant: string): void;
  /** Sends what is buffered (bounded in time) and stops. */
  close(): Promise<void>;
}

/** The sink when no queue is configured. */
export const discardEvents: EventSink = { record() {}, close: async () => {} };

export interface EventPublisherOptions {
  sqs: Pick<SQSClient, "send" | "destroy">;
  queueUrl: string;
  logger: Logger;
  metrics: Registry;
  /** Events held while SQS cannot take them; beyond it the oldest are dropped. */
  capacity?: number;
  /** Longest an event waits before it is sent. */
  flushIntervalMs?: number;
  /** How often the counts ship (each shipment costs analytics one write per flag-hour). */
  countsIntervalMs?: number;
  /** `SendMessageBatch` calls in flight at once. */
  concurrentCalls?: number;
  closeTimeoutMs?: number;
  /** Names this process in its messages; random by default. */
  producer?: string;
  clock?: Clock;
}

/** SQS takes at most 10 messages and 256 KiB in one `SendMessageBatch`. */
const BATCH_MESSAGES = 10;
const BATCH_BYTES = 256 * 1024;
/**
 * Sealed messages wait to share a call until they reach 64 KiB, ten of them, or their oldest
 * event's flush deadline: a call costs the SDK about a millisecond on the event loop before
 * its first byte, however small it is.
 */
const CALL_BYTES = 64 * 1024;
/**
 * Events packed into the open message per turn of the event loop (about 0.2 ms of work),
 * so a request never waits behind the packing of a whole message.
 */
export const PACK_SLICE = 512;
const MAX_BACKOFF_MS = 5_000;

/** Events waiting to be sent, oldest first, in parallel arrays: recording allocates nothing. */
class EventRing {
  private users: string[] = [];
  private flags: string[] = [];
  private variants: string[] = [];
  /** 1 true, 0 false, -1 no boolean result. */
  private results = new Int8Array(0);
  private times = new Float64Array(0);
  /** Slots allocated: they grow with what waits, up to the capacity, and stay. */
  private slots = 0;
  private head = 0;
  size = 0;

  constructor(readonly capacity: number) {}

  /** Twice the slots (at most the capacity), the waiting events moved to the start. */
  private grow() {
    const slots = Math.min(this.capacity, Math.max(1_024, this.slots * 2));
    const users = new Array<string>(slots).fill("");
    const flags = new Array<string>(slots).fill("");
    const variants = new Array<string>(slots).fill("");
    const results = new Int8Array(slots);
    const times = new Float64Array(slots);
    for (let index = 0; index < this.size; index++) {
      const at = (this.head + index) % this.slots;
      users[index] = this.users[at] as string;
      flags[index] = this.flags[at] as string;
      variants[index] = this.variants[at] as string;
      results[index] = this.results[at] as number;
      times[index] = this.times[at] as number;
    }
    this.users = users;
    this.flags = flags;
    this.variants = variants;
    this.results = results;
    this.times = times;
    this.slots = slots;
    this.head = 0;
  }

  /** Appends an event; false when the oldest had to make room for it. */
  push(userId: string, flagName: string, result: boolean | null, variant: string, time: number) {
    let kept = true;
    if (this.size === this.slots && this.slots < this.capacity) this.grow();
    if (this.size === this.capacity) {
      this.head = (this.head + 1) % this.slots;
      this.size--;
      kept = false;
    }
    const at = (this.head + this.size) % this.slots;
    this.users[at] = userId;
    this.flags[at] = flagName;
    this.variants[at] = variant;
    this.results[at] = result === null ? -1 : result ? 1 : 0;
    this.times[at] = time;
    this.size++;
    return kept;
  }

  oldestTime(): number {
    return this.times[this.head] as number;
  }

  /**
   * Moves up to `limit` events into `writer`, oldest first; false when the writer filled
   * up before the limit was reached.
   */
  drainInto(writer: EnvelopeWriter, limit: number): boolean {
    for (let moved = 0; moved < limit && this.size > 0; moved++) {
      const at = this.head;
      const code = this.results[at] as number;
      const added = writer.addEvent({
        time: this.times[at] as number,
        userId: this.users[at] as string,
        flagName: this.flags[at] as string,
        result: code === -1 ? null : code === 1,
        variant: this.variants[at] as string,
      });
      if (!added) return false;
      this.users[at] = "";
      this.flags[at] = "";
      this.variants[at] = "";
      this.head = (this.head + 1) % this.slots;
      this.size--;
    }
    return true;
  }
}

/** One flag's evaluations per variant, and its name as the tally first saw it. */
interface FlagTally {
  name: string;
  variants: Map<string, { result: boolean | null; evaluations: number }>;
}

/** Evaluations per flag and variant in the current hour, and past hours not yet shipped. */
class Tally {
  private hourEnd = 0;
  private hour = "";
  private current = new Map<string, FlagTally>();
  private closed: Count[] = [];

  /**
   * Counts an evaluation and answers the flag's name as the tally keeps it: one string per
   * flag for the events to hold, instead of each request's own copy. While SQS is down the
   * ring holds up to its capacity of events, and every string in it is work for the collector.
   */
  add(flagName: string, variant: string, result: boolean | null, time: number): string {
    if (time >= this.hourEnd) this.startHour(time);
    let flag = this.current.get(flagName);
    if (flag === undefined) {
      flag = { name: flagName, variants: new Map() };
      this.current.set(flagName, flag);
    }
    const count = flag.variants.get(variant);
    if (count === undefined) flag.variants.set(variant, { result, evaluations: 1 });
    else count.evaluations++;
    return flag.name;
  }

  get isEmpty(): boolean {
    return this.current.size === 0 && this.closed.length === 0;
  }

  /** Everything counted so far, one count per (flag, hour, variant); the tally restarts. */
  take(): Count[] {
    const merged = new Map<string, Count>();
    for (const count of [...this.closed, ...this.countsOf(this.hour, this.current)]) {
      const key = JSON.stringify([count.flagName, count.hour, count.variant]);
      const previous = merged.get(key);
      if (previous === undefined) merged.set(key, { ...count });
      else previous.evaluations += count.evaluations;
    }
    this.closed = [];
    this.current = new Map();
    return [...merged.values()];
  }

  /** Counts that could not be shipped go back, to ship with the next ones. */
  restore(counts: Count[]) {
    this.closed.push(...counts);
  }

  private startHour(time: number) {
    this.closed.push(...this.countsOf(this.hour, this.current));
    this.current = new Map();
    const start = Math.floor(time / HOUR_MS) * HOUR_MS;
    this.hour = isoHour(start);
    this.hourEnd = start + HOUR_MS;
  }

  private countsOf(hour: string, flags: Tally["current"]): Count[] {
    const counts: Count[] = [];
    for (const { name: flagName, variants } of flags.values())
      for (const [variant, { result, evaluations }] of variants)
        counts.push({ flagName, hour, variant, result, evaluations });
    return counts;
  }
}

/** A sealed message: what it says, and what it carries, for the metrics and for a retry. */
interface Message {
  seq: number;
  /** When its oldest event (or, for counts, the message) was made: it is due a flush later. */
  since: number;
  body: string;
  bytes: number;
  events: number;
  counts: Count[];
}

export class EventPublisher implements EventSink {
  readonly producer: string;
  private readonly ring: EventRing;
  private readonly tally = new Tally();
  /** The message being packed, and when its oldest event was recorded. */
  private open: EnvelopeWriter | undefined;
  /** Sealed messages not yet accepted by SQS, oldest first; retried as they are. */
  private sealed: Message[] = [];
  private seq = 0;
  private inFlight = 0;
  private inFlightEvents = 0;
  private backoffMs = 0;
  private pausedUntil = 0;
  private countsDueAt: number;
  private timer: Timer | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private closing = false;
  private closed = false;

  private readonly sqs: EventPublisherOptions["sqs"];
  private readonly queueUrl: string;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly flushIntervalMs: number;
  private readonly countsIntervalMs: number;
  private readonly concurrentCalls: number;
  private readonly closeTimeoutMs: number;
  private readonly sentEvents;
  private readonly sentMessages;
  private readonly calls;
  private readonly dropped;

  constructor(options: EventPublisherOptions) {
    this.sqs = options.sqs;
    this.queueUrl = options.queueUrl;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.countsIntervalMs = options.countsIntervalMs ?? 10_000;
    this.concurrentCalls = options.concurrentCalls ?? 4;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5_000;
    this.producer = options.producer ?? crypto.randomUUID().replaceAll("-", "").slice(0, 12);
    this.ring = new EventRing(options.capacity ?? 100_000);
    this.countsDueAt = this.clock.now() + this.countsIntervalMs;
    const { metrics } = options;
    this.sentEvents = metrics.counter("evaluation_events_sent_total", "Events accepted by SQS");
    this.sentMessages = metrics.counter(
      "evaluation_event_messages_sent_total",
      "SQS messages accepted, each carrying many events and counts",
    );
    this.calls = metrics.counter("evaluation_events_send_calls_total", "SendMessageBatch calls");
    this.dropped = metrics.counter(
      "evaluation_events_dropped_total",
      "Events dropped: the buffer was full while SQS was unavailable, or SQS refused them",
    );
    metrics
      .gauge("evaluation_events_buffered", "Events recorded and neither sent nor dropped yet")
      .track(() => this.waitingEvents());
  }

  record(userId: string, flagName: string, result: boolean | null, variant: string): void {
    if (this.closed) return;
    const time = this.clock.now();
    const name = this.tally.add(flagName, variant, result, time);
    if (!this.ring.push(userId, name, result, variant, time)) this.dropped.inc();
    if (this.ring.size >= PACK_SLICE) this.wake(time);
    else if (time + this.flushIntervalMs < this.timerAt) this.wake(time + this.flushIntervalMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    const deadline = this.clock.now() + this.closeTimeoutMs;
    this.pump();
    while (this.hasWork() && this.clock.now() < deadline) {
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 10));
      this.pump();
    }
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const lostEvents = this.waitingEvents();
    const lostCounts = [...this.sealed.flatMap((message) => message.counts), ...this.tally.take()];
    if (lostEvents > 0 || lostCounts.length > 0) {
      this.dropped.inc({}, lostEvents);
      this.logger.error("events not sent at shutdown", {
        events: lostEvents,
        evaluations_uncounted: lostCounts.reduce((sum, count) => sum + count.evaluations, 0),
      });
    }
    this.sqs.destroy();
  }

  private waitingEvents() {
    const sealed = this.sealed.reduce((sum, message) => sum + message.events, 0);
    return this.ring.size + (this.open?.eventCount ?? 0) + sealed + this.inFlightEvents;
  }

  private hasWork() {
    return (
      this.ring.size > 0 ||
      this.open !== undefined ||
      this.sealed.length > 0 ||
      this.inFlight > 0 ||
      !this.tally.isEmpty
    );
  }

  /** Runs `pump` at `at` unless it is already due to run sooner. */
  private wake(at: number) {
    if (this.closed || at >= this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  /**
   * One step of the sender, then sleep until the next is due: pack a slice, sealing the open
   * message once it is full or due, and start a call if the sealed messages are due one and
   * a call is free. From a failed call until one succeeds nothing is packed: new events wait
   * in the ring, where the oldest give way, and what waits beyond it stays what had been
   * sealed before.
   */
  private pump() {
    if (this.closed) return;
    const now = this.clock.now();
    if (now < this.pausedUntil) return this.wake(this.pausedUntil);
    const freeCall = this.inFlight < this.concurrentCalls;
    // Packing stops while a call is due and none is free, and from a failed call until its
    // retry succeeds: new events then wait in the ring.
    if (this.backoffMs === 0 && (freeCall || !this.callDue(now))) {
      const countsDue = this.closing || now >= this.countsDueAt;
      if (countsDue && !this.tally.isEmpty) this.sealCounts(now);
      else if (countsDue) this.countsDueAt = now + this.countsIntervalMs;
      this.pack(now);
    }
    if (this.callDue(now)) {
      if (freeCall) {
        void this.send(this.nextBatch());
        this.wake(now);
      }
      return;
    }
    if (this.backoffMs > 0) return;
    if (this.ring.size >= PACK_SLICE) return this.wake(now);
    const oldest = Math.min(
      this.sealed[0]?.since ?? Number.POSITIVE_INFINITY,
      this.open?.start ?? Number.POSITIVE_INFINITY,
      this.ring.size > 0 ? this.ring.oldestTime() : Number.POSITIVE_INFINITY,
    );
    const next = Math.min(
      oldest + this.flushIntervalMs,
      this.tally.isEmpty ? Number.POSITIVE_INFINITY : this.countsDueAt,
    );
    if (next !== Number.POSITIVE_INFINITY) this.wake(next);
  }

  /** Whether the sealed messages should go now rather than wait for more to share the call. */
  private callDue(now: number): boolean {
    const [oldest] = this.sealed;
    if (oldest === undefined) return false;
    if (this.closing || this.backoffMs > 0 || this.sealed.length >= BATCH_MESSAGES) return true;
    if (now - oldest.since >= this.flushIntervalMs) return true;
    return this.sealed.reduce((sum, message) => sum + message.bytes, 0) >= CALL_BYTES;
  }

  /** Packs a slice of the ring into the open message, and seals it when full or due. */
  private pack(now: number) {
    if (this.ring.size === 0 && this.open === undefined) return;
    const open = this.open ?? new EnvelopeWriter(this.producer, ++this.seq, this.ring.oldestTime());
    this.open = open;
    const room = this.ring.drainInto(open, this.closing ? Number.POSITIVE_INFINITY : PACK_SLICE);
    const due = this.closing || now - open.start >= this.flushIntervalMs;
    if (!room || (due && (this.ring.size === 0 || this.closing))) {
      this.sealed.push(this.seal(open, []));
      this.open = undefined;
    } else open.compressAdded();
  }

  /** A message of the counts so far; those beyond its room go back to the tally. */
  private sealCounts(now: number) {
    const writer = new EnvelopeWriter(this.producer, ++this.seq, now);
    const shipped: Count[] = [];
    for (const count of this.tally.take()) {
      if (writer.addCount(count)) shipped.push(count);
      else this.tally.restore([count]);
    }
    this.sealed.push(this.seal(writer, shipped));
    if (this.tally.isEmpty) this.countsDueAt = now + this.countsIntervalMs;
  }

  private seal(writer: EnvelopeWriter, counts: Count[]): Message {
    const body = writer.encode();
    const { seq, start: since, eventCount: events } = writer;
    return { seq, since, body, bytes: body.length, events, counts };
  }

  /** Sealed messages for one call, oldest first. */
  private nextBatch(): Message[] {
    const batch: Message[] = [];
    let bytes = 0;
    for (const message of this.sealed) {
      if (batch.length === BATCH_MESSAGES || bytes + message.bytes > BATCH_BYTES) break;
      batch.push(message);
      bytes += message.bytes;
    }
    this.sealed.splice(0, batch.length);
    return batch;
  }

  private async send(batch: Message[]) {
    const events = batch.reduce((sum, message) => sum + message.events, 0);
    this.inFlight++;
    this.inFlightEvents += events;
    this.calls.inc();
    const entries: SendMessageBatchRequestEntry[] = batch.map((message) => ({
      Id: String(message.seq),
      MessageBody: message.body,
    }));
    try {
      const output = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
      );
      const failed = new Map((output.Failed ?? []).map((failure) => [failure.Id, failure]));
      for (const message of batch) {
        const failure = failed.get(String(message.seq));
        if (failure === undefined) {
          this.sentMessages.inc();
          this.sentEvents.inc({}, message.events);
        } else if (failure.SenderFault) {
          this.dropped.inc({}, message.events);
          this.logger.error("event message refused by SQS", {
            code: failure.Code,
            message: failure.Message,
            events: message.events,
          });
        } else {
          this.sealed.push(message);
        }
      }
      this.backoffMs = 0;
    } catch (error) {
      this.sealed.unshift(...batch);
      this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 100), MAX_BACKOFF_MS);
      this.pausedUntil = this.clock.now() + this.backoffMs;
      if (this.backoffMs === 100)
        this.logger.warn("events not sent, retrying", {
          error: describeError(error),
          buffered: this.ring.size,
        });
    } finally {
      this.inFlight--;
      this.inFlightEvents -= events;
      this.pump();
    }
  }
}
