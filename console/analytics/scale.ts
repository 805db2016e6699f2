/**
 * Geometry of the evaluations chart, kept apart from the drawing so it can be tested: a
 * y axis that ends on a round number, and one stacked bar per hour.
 */

/** The smallest 1, 2 or 5 × 10ⁿ at or above `value` (at least 1), so axis labels read well. */
export function niceCeiling(value: number): number {
  if (!(value > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((factor) => factor * magnitude >= value) ?? 10;
  return step * magnitude;
}

/**
 * The y axis for values up to `highest`: about `count` steps of a round size (1, 2 or 5 × 10ⁿ,
 * at least 1), and a top that is a whole number of steps, so every gridline is labelled.
 */
export function axis(highest: number, count = 4): { max: number; ticks: number[] } {
  const step = niceCeiling(highest / count);
  const max = Math.max(step, Math.ceil(highest / step) * step);
  const ticks: number[] = [];
  for (let value = 0; value <= max; value += step) ticks.push(value);
  return { max, ticks };
}

export interface Series {
  name: string;
  values: readonly number[];
}

export interface Segment {
  series: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface StackedBars {
  /** The value at the top of the y axis. */
  max: number;
  /** Labelled values of the y axis, from 0 to `max`. */
  ticks: number[];
  /** One list of segments per column, bottom to top, zero-height ones left out. */
  columns: Segment[][];
}

/**
 * Stacked columns of `series` (all of equal length) in a plot `width` × `height` whose
 * origin is the top-left corner, with `gap` of each column's slot left empty.
 */
export function stackBars(
  series: readonly Series[],
  width: number,
  height: number,
  gap = 0.2,
): StackedBars {
  const length = series[0]?.values.length ?? 0;
  const totals = Array.from({ length }, (_, column) =>
    series.reduce((sum, { values }) => sum + (values[column] ?? 0), 0),
  );
  const { max, ticks } = axis(Math.max(0, ...totals));
  const slot = length === 0 ? 0 : width / length;
  const barWidth = slot * (1 - gap);
  const columns = totals.map((_, column) => {
    let top = height;
    return series.flatMap(({ name, values }) => {
      const value = values[column] ?? 0;
      if (value <= 0) return [];
      const segmentHeight = (value / max) * height;
      top -= segmentHeight;
      return [
        {
          series: name,
          value,
          x: column * slot + (slot - barWidth) / 2,
          y: top,
          width: barWidth,
          height: segmentHeight,
        },
      ];
    });
  });
  return { max, ticks, columns };
}
