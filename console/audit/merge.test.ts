import { expect, test } from "bun:test";
import type { HistoryEntry, HistoryPage } from "../api.ts";
import { loadOlder, mergeHistories } from "./merge.ts";

/** An entry made at minute `minute`; ids follow time, as a database's do. */
const at = (minute: number): HistoryEntry => ({
  id: minute,
  at: new Date(Date.UTC(2026, 11, 2, 17, minute)).toISOString(),
  key: { id: 1, name: "ci" },
  action: "updated",
  before: null,
  after: null,
});

/** A history of entries at the given minutes, served newest first in pages of `size`. */
function history(name: string, minutes: number[], size: number) {
  const entries = minutes.sort((a, b) => b - a).map(at);
  return {
    name,
    async load(before?: number): Promise<HistoryPage> {
      const older = entries.filter((entry) => before === undefined || entry.id < before);
      const page = older.slice(0, size);
      return { entries: page, next: older.length > size ? (page.at(-1)?.id ?? null) : null };
    },
  };
}

const shownOf = (merged: ReturnType<typeof mergeHistories<{ name: string }>>) =>
  merged.shown.map(({ entry, source }) => `${source.name}${new Date(entry.at).getUTCMinutes()}`);

test("two histories read as one, newest first, each entry with its source", async () => {
  const flag = history("flag", [1, 4], 10);
  const rule = history("rule", [2, 3, 5], 10);
  const merged = mergeHistories([
    { source: flag, page: await flag.load() },
    { source: rule, page: await rule.load() },
  ]);
  expect(shownOf(merged)).toEqual(["rule5", "flag4", "rule3", "rule2", "flag1"]);
  expect(merged.more).toBe(false);
});

test("entries older than what an unfinished history has loaded wait for its next page", async () => {
  const flag = history("flag", [10, 20, 30, 40], 2);
  const rule = history("rule", [5, 15, 25, 35, 45], 10);
  let histories = [
    { source: flag, page: await flag.load() },
    { source: rule, page: await rule.load() },
  ];
  const first = mergeHistories(histories);
  // The flag's next page may hold changes from before minute 30: nothing older is shown yet.
  expect(shownOf(first)).toEqual(["rule45", "flag40", "rule35", "flag30"]);
  expect(first.more).toBe(true);

  histories = await loadOlder(histories);
  const second = mergeHistories(histories);
  expect(shownOf(second)).toEqual([
    ...shownOf(first),
    "rule25",
    "flag20",
    "rule15",
    "flag10",
    "rule5",
  ]);
  expect(second.more).toBe(false);
});

test("loading older pages asks only histories that have more", async () => {
  const asked: (number | undefined)[] = [];
  const short = history("short", [1], 5);
  const long = history("long", [1, 2, 3], 2);
  const counting = {
    ...long,
    load(before?: number) {
      asked.push(before);
      return long.load(before);
    },
  };
  const loaded = await loadOlder([
    { source: short, page: await short.load() },
    { source: counting, page: await counting.load() },
  ]);
  expect(asked).toEqual([undefined, 2]);
  expect(loaded.map(({ page }) => page.entries.map((entry) => entry.id))).toEqual([[1], [3, 2, 1]]);
});
