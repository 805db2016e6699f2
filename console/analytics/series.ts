import type { FlagAnalytics } from "../api.ts";
import type { Series } from "./scale.ts";

/** The colours of the stylesheet (`.series-0` …), reused in turn past the last. */
export const PALETTE_SIZE = 8;

export interface ChartSeries extends Series {
  /** The stylesheet class that colours it. */
  tone: string;
  /** Its evaluations over the whole period. */
  total: number;
}

/**
 * What the chart stacks: true and false for a flag that answers booleans, else one series
 * per variant served (errors and disabled answers count under names in parentheses, as
 * analytics records them), the most served first.
 */
export function seriesOf(data: FlagAnalytics, boolean: boolean): ChartSeries[] {
  if (boolean)
    return (["true", "false"] as const).map((name) => ({
      name,
      tone: `series-${name}`,
      total: data.totals[name],
      values: data.hours.map((hour) => hour[name]),
    }));
  return Object.entries(data.totals.variants ?? {})
    .sort(([a, first], [b, second]) => second - first || a.localeCompare(b))
    .map(([name, total], index) => ({
      name,
      tone: `series-${index % PALETTE_SIZE}`,
      total,
      values: data.hours.map((hour) => hour.variants?.[name] ?? 0),
    }));
}

/** The evaluations counted, in words: "12 evaluations: 9 true, 3 false". */
export function totalsText(series: readonly ChartSeries[]): string {
  const total = series.reduce((sum, { total }) => sum + total, 0);
  const parts = series.map(({ name, total }) => `${total} ${name}`);
  return `${total} evaluations${parts.length > 0 ? `: ${parts.join(", ")}` : ""}`;
}
