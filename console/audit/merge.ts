import type { HistoryEntry, HistoryPage } from "../api.ts";

/** A paged history: where it comes from, and its pages loaded so far as one. */
export interface LoadedHistory<Source> {
  source: Source;
  page: HistoryPage;
}

/**
 * The entries of several paged histories as one list, newest first, each with its source.
 * A history with older pages still to load holds back the others' entries older than its
 * own oldest loaded one: its next page may hold changes made in between, so the list only
 * ever grows at its end.
 */
export function mergeHistories<Source>(histories: readonly LoadedHistory<Source>[]): {
  shown: { entry: HistoryEntry; source: Source }[];
  more: boolean;
} {
  const unfinished = histories.filter(({ page }) => page.next !== null);
  // ISO 8601 UTC times sort as text; the latest of the oldest loaded entries.
  const horizon =
    unfinished
      .map(({ page }) => page.entries.at(-1)?.at ?? "")
      .sort()
      .at(-1) ?? "";
  const all = histories
    .flatMap(({ source, page }) => page.entries.map((entry) => ({ entry, source })))
    // Stable: entries of one history keep their order, however close in time.
    .sort((a, b) => (a.entry.at === b.entry.at ? 0 : a.entry.at > b.entry.at ? -1 : 1));
  return {
    shown: all.filter(({ entry }) => entry.at >= horizon),
    more: unfinished.length > 0,
  };
}

/** The histories, each that has one with its next page appended. */
export function loadOlder<Source extends { load(before: number): Promise<HistoryPage> }>(
  histories: readonly LoadedHistory<Source>[],
): Promise<LoadedHistory<Source>[]> {
  return Promise.all(
    histories.map(async ({ source, page }) => {
      if (page.next === null) return { source, page };
      const older = await source.load(page.next);
      return { source, page: { entries: [...page.entries, ...older.entries], next: older.next } };
    }),
  );
}
