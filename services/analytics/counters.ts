/**
 * Hourly counters: what a batch of messages adds to them.
 *
 * A counter item holds the evaluations of one flag in one UTC hour counted from one source,
 * named by its sort key: `2026-12-02T17:00:00Z#v1` for v1 messages, which carry no
 * identity, or `2026-12-02T17:00:00Z#<producer>#<block>` for the v2 messages one producer
 * numbered `block × 1000` to `block × 1000 + 999`. A v2 item also keeps the numbers of the
 * messages it already holds, which makes a redelivered message harmless (see store.ts);
 * the block bounds that set, and so the item's size and the write units of each update,
 * however long a producer runs. Reading an hour sums its items.
 */
import type { Count } from "@togglemaster/shared/events";

/** The source of v1 messages: counted at least once, as they carry no identity. */
export const V1_SOURCE = "v1";

/** Message numbers per counter item. */
export const SEQ_BLOCK = 1_000;

/**
 * Bounds of one update: its condition names each message number (DynamoDB allows 4 KB
 * per expression), its update expression each variant.
 */
export const MAX_SEQS_PER_UPDATE = 100;
export const MAX_VARIANTS_PER_UPDATE = 100;

/** Evaluations by boolean result and by variant. */
export class Tally {
  trueCount = 0;
  falseCount = 0;
  readonly variants = new Map<string, number>();

  add({ variant, result, evaluations }: Pick<Count, "variant" | "result" | "evaluations">) {
    if (result === true) this.trueCount += evaluations;
    else if (result === false) this.falseCount += evaluations;
    this.variants.set(variant, (this.variants.get(variant) ?? 0) + evaluations);
  }

  addAll(other: Tally) {
    this.trueCount += other.trueCount;
    this.falseCount += other.falseCount;
    for (const [variant, evaluations] of other.variants)
      this.variants.set(variant, (this.variants.get(variant) ?? 0) + evaluations);
  }
}

/** Where a message's counts come from: a v2 message's identity, or none for v1. */
export type CountSource = { producer: string; seq: number } | undefined;

export interface CountedMessage {
  source: CountSource;
  counts: readonly Count[];
}

/** What one write adds to one counter item. */
export interface CounterUpdate {
  flagName: string;
  hour: string;
  /** The item's sort key. */
  key: string;
  /** Numbers of the messages whose counts it adds; empty for v1 messages. */
  seqs: number[];
  /** Each message's own tally, in the order of `seqs`. */
  perMessage: Tally[];
  /** The sum of `perMessage` (for v1, of every v1 message). */
  tally: Tally;
}

export const counterKey = (hour: string, source: CountSource) =>
  source === undefined
    ? `${hour}#${V1_SOURCE}`
    : `${hour}#${source.producer}#${Math.floor(source.seq / SEQ_BLOCK)}`;

/** The hour a counter key belongs to. */
export const hourOfKey = (key: string) => key.slice(0, key.indexOf("#"));

interface ItemTally {
  flagName: string;
  hour: string;
  key: string;
  tally: Tally;
}

/** One message's counts, one tally per counter item. */
function talliesOf({ source, counts }: CountedMessage): Map<string, ItemTally> {
  const tallies = new Map<string, ItemTally>();
  for (const count of counts) {
    const key = counterKey(count.hour, source);
    const id = JSON.stringify([count.flagName, key]);
    let entry = tallies.get(id);
    if (entry === undefined) {
      entry = { flagName: count.flagName, hour: count.hour, key, tally: new Tally() };
      tallies.set(id, entry);
    }
    entry.tally.add(count);
  }
  return tallies;
}

/** Why a message's counts cannot be stored, or undefined. */
export function countsProblem(message: CountedMessage): string | undefined {
  for (const { flagName, hour, tally } of talliesOf(message).values())
    if (tally.variants.size > MAX_VARIANTS_PER_UPDATE)
      return `counts of '${flagName}' in ${hour} name more than ${MAX_VARIANTS_PER_UPDATE} variants`;
  return undefined;
}

function fits(update: CounterUpdate, tally: Tally): boolean {
  if (update.seqs.length >= MAX_SEQS_PER_UPDATE) return false;
  let variants = update.tally.variants.size;
  for (const variant of tally.variants.keys()) if (!update.tally.variants.has(variant)) variants++;
  return variants <= MAX_VARIANTS_PER_UPDATE;
}

/**
 * The counter writes of a batch: messages sharing a counter item share one update, so a
 * batch costs one write per item it touches. Messages must be distinct (deduplicated by
 * identity): an update must not name one message number twice.
 */
export function counterUpdates(messages: readonly CountedMessage[]): CounterUpdate[] {
  const open = new Map<string, CounterUpdate>();
  const updates: CounterUpdate[] = [];
  for (const message of messages) {
    for (const [id, { flagName, hour, key, tally }] of talliesOf(message)) {
      let update = open.get(id);
      if (update === undefined || (message.source !== undefined && !fits(update, tally))) {
        update = { flagName, hour, key, seqs: [], perMessage: [], tally: new Tally() };
        open.set(id, update);
        updates.push(update);
      }
      if (message.source !== undefined) {
        update.seqs.push(message.source.seq);
        update.perMessage.push(tally);
      }
      update.tally.addAll(tally);
    }
  }
  return updates;
}
