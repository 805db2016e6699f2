import { describe, expect, test } from "bun:test";
import type { Count } from "@togglemaster/shared/events";
import {
  type CountedMessage,
  counterKey,
  counterUpdates,
  countsProblem,
  hourOfKey,
  MAX_SEQS_PER_UPDATE,
  MAX_VARIANTS_PER_UPDATE,
} from "./counters.ts";

const H17 = "2026-12-02T17:00:00Z";
const H18 = "2026-12-02T18:00:00Z";

const count = (
  flagName: string,
  hour: string,
  variant: string,
  result: boolean | null,
  evaluations: number,
): Count => ({ flagName, hour, variant, result, evaluations });

const v2 = (producer: string, seq: number, counts: Count[]): CountedMessage => ({
  source: { producer, seq },
  counts,
});

/** An update as plain values: key, message numbers, true, false and variants. */
const plain = (updates: ReturnType<typeof counterUpdates>) =>
  updates.map(({ flagName, key, seqs, tally }) => ({
    flagName,
    key,
    seqs,
    true: tally.trueCount,
    false: tally.falseCount,
    variants: Object.fromEntries(tally.variants),
  }));

describe("counter keys", () => {
  test("name the hour, then v1 or the producer and its block of 1,000 message numbers", () => {
    expect(counterKey(H17, undefined)).toBe(`${H17}#v1`);
    expect(counterKey(H17, { producer: "p1", seq: 1 })).toBe(`${H17}#p1#0`);
    expect(counterKey(H17, { producer: "p1", seq: 999 })).toBe(`${H17}#p1#0`);
    expect(counterKey(H17, { producer: "p1", seq: 1_000 })).toBe(`${H17}#p1#1`);
    expect(hourOfKey(`${H17}#p1#1`)).toBe(H17);
  });
});

describe("counterUpdates", () => {
  test("messages of one producer share one update per flag and hour", () => {
    const updates = counterUpdates([
      v2("p1", 1, [
        count("checkout", H17, "on", true, 5),
        count("checkout", H17, "off", false, 2),
        count("checkout", H18, "on", true, 1),
        count("search", H17, "blue", null, 4),
      ]),
      v2("p1", 2, [count("checkout", H17, "on", true, 3), count("search", H17, "green", null, 1)]),
    ]);
    expect(plain(updates)).toEqual([
      {
        flagName: "checkout",
        key: `${H17}#p1#0`,
        seqs: [1, 2],
        true: 8,
        false: 2,
        variants: { on: 8, off: 2 },
      },
      {
        flagName: "checkout",
        key: `${H18}#p1#0`,
        seqs: [1],
        true: 1,
        false: 0,
        variants: { on: 1 },
      },
      {
        flagName: "search",
        key: `${H17}#p1#0`,
        seqs: [1, 2],
        true: 0,
        false: 0,
        variants: { blue: 4, green: 1 },
      },
    ]);
    expect(updates[0]?.perMessage.map((tally) => tally.trueCount)).toEqual([5, 3]);
  });

  test("producers, blocks and v1 messages are counted in separate items", () => {
    const updates = counterUpdates([
      v2("p1", 999, [count("checkout", H17, "on", true, 1)]),
      v2("p1", 1_000, [count("checkout", H17, "on", true, 1)]),
      v2("p2", 1, [count("checkout", H17, "on", true, 1)]),
      { source: undefined, counts: [count("checkout", H17, "on", true, 1)] },
      { source: undefined, counts: [count("checkout", H17, "off", false, 1)] },
    ]);
    expect(plain(updates).map(({ key, seqs, true: t, false: f }) => [key, seqs, t, f])).toEqual([
      [`${H17}#p1#0`, [999], 1, 0],
      [`${H17}#p1#1`, [1_000], 1, 0],
      [`${H17}#p2#0`, [1], 1, 0],
      [`${H17}#v1`, [], 1, 1],
    ]);
  });

  test("an update names at most 100 messages", () => {
    const messages = Array.from({ length: MAX_SEQS_PER_UPDATE + 1 }, (_, index) =>
      v2("p1", index + 1, [count("checkout", H17, "on", true, 1)]),
    );
    expect(counterUpdates(messages).map((update) => update.seqs.length)).toEqual([
      MAX_SEQS_PER_UPDATE,
      1,
    ]);
  });

  test("an update names at most 100 variants", () => {
    const variants = (from: number) =>
      Array.from({ length: 60 }, (_, index) => count("checkout", H17, `v${from + index}`, null, 1));
    const updates = counterUpdates([v2("p1", 1, variants(0)), v2("p1", 2, variants(60))]);
    expect(updates.map((update) => [update.seqs, update.tally.variants.size])).toEqual([
      [[1], 60],
      [[2], 60],
    ]);
  });
});

describe("countsProblem", () => {
  test("refuses a message naming more variants of one flag and hour than one update holds", () => {
    const many = Array.from({ length: MAX_VARIANTS_PER_UPDATE + 1 }, (_, index) =>
      count("checkout", H17, `v${index}`, null, 1),
    );
    expect(countsProblem(v2("p1", 1, many))).toContain("more than 100 variants");
    expect(countsProblem(v2("p1", 1, many.slice(1)))).toBeUndefined();
  });
});
