import { expect, test } from "bun:test";
import type { FlagAnalytics } from "../api.ts";
import { PALETTE_SIZE, seriesOf, totalsText } from "./series.ts";

const analytics: FlagAnalytics = {
  flag_name: "checkout-theme",
  hours: [
    { hour: "2026-12-02T16:00:00Z", true: 3, false: 1, variants: { ocean: 3, classic: 1 } },
    { hour: "2026-12-02T17:00:00Z", true: 2, false: 0, variants: { ocean: 1, "(disabled)": 1 } },
  ],
  totals: { true: 5, false: 1, variants: { ocean: 4, classic: 1, "(disabled)": 1 } },
};

test("a boolean flag is charted by result", () => {
  const series = seriesOf(analytics, true);
  expect(series).toEqual([
    { name: "true", tone: "series-true", total: 5, values: [3, 2] },
    { name: "false", tone: "series-false", total: 1, values: [1, 0] },
  ]);
  expect(totalsText(series)).toBe("6 evaluations: 5 true, 1 false");
});

test("another flag is charted by variant, the most served first, hours without one at 0", () => {
  const series = seriesOf(analytics, false);
  expect(series).toEqual([
    { name: "ocean", tone: "series-0", total: 4, values: [3, 1] },
    { name: "(disabled)", tone: "series-1", total: 1, values: [0, 1] },
    { name: "classic", tone: "series-2", total: 1, values: [1, 0] },
  ]);
  expect(totalsText(series)).toBe("6 evaluations: 4 ocean, 1 (disabled), 1 classic");
});

test("past the palette, colours are reused in turn; nothing counted reads as 0 evaluations", () => {
  const many = Object.fromEntries(
    Array.from({ length: PALETTE_SIZE + 1 }, (_, index) => [`v${index}`, 100 - index]),
  );
  const series = seriesOf({ ...analytics, totals: { true: 0, false: 0, variants: many } }, false);
  expect(series.at(-1)?.tone).toBe("series-0");
  expect(totalsText(seriesOf({ ...analytics, totals: { true: 0, false: 0 } }, false))).toBe(
    "0 evaluations",
  );
});
