import { useId } from "preact/hooks";
import { stackBars } from "./scale.ts";
import type { ChartSeries } from "./series.ts";

const WIDTH = 640;
const HEIGHT = 200;
const LEFT = 52;
const BOTTOM = 22;
const TOP = 8;

interface StackedBarChartProps {
  /** What the chart shows, read out in place of the picture. */
  label: string;
  /** One label per column, e.g. the hour. */
  columns: readonly string[];
  series: readonly ChartSeries[];
  /** Every how many columns a label is printed under the axis. */
  labelEvery?: number;
}

/**
 * Stacked columns drawn as inline SVG that scales with its container. Colours come from the
 * stylesheet, through each series' `tone` class.
 */
export function StackedBarChart({ label, columns, series, labelEvery = 6 }: StackedBarChartProps) {
  const id = useId();
  const plotWidth = WIDTH - LEFT;
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const { max, ticks, columns: bars } = stackBars(series, plotWidth, plotHeight);
  const toneOf = new Map(series.map(({ name, tone }) => [name, tone]));
  const slot = columns.length === 0 ? 0 : plotWidth / columns.length;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${id}-title`}>
        <title id={`${id}-title`}>{label}</title>
        <g class="axis">
          {ticks.map((tick) => {
            const y = TOP + plotHeight - (tick / max) * plotHeight;
            return (
              <g key={tick}>
                <line x1={LEFT} x2={WIDTH} y1={y} y2={y} />
                <text x={LEFT - 6} y={y} text-anchor="end" dominant-baseline="middle">
                  {tick}
                </text>
              </g>
            );
          })}
          {columns.map((column, index) =>
            index % labelEvery === 0 ? (
              <text
                key={column}
                x={LEFT + index * slot + slot / 2}
                y={HEIGHT - 6}
                text-anchor="middle"
              >
                {column}
              </text>
            ) : null,
          )}
        </g>
        <g transform={`translate(${LEFT} ${TOP})`}>
          {bars.flatMap((segments, index) =>
            segments.map((segment) => (
              <rect
                key={`${index}-${segment.series}`}
                class={toneOf.get(segment.series)}
                x={segment.x}
                y={segment.y}
                width={segment.width}
                height={segment.height}
              />
            )),
          )}
        </g>
      </svg>
      <figcaption class="legend">
        {series.map(({ name, tone }) => (
          <span key={name}>
            <span class={`swatch ${tone}`} aria-hidden="true" /> {name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
