import { expect, test } from "bun:test";
import { axis, niceCeiling, stackBars } from "./scale.ts";

test("the axis ends on the next 1, 2 or 5 × 10ⁿ", () => {
  expect([0, 1, 2, 3, 7, 10, 11, 20, 21, 99, 101, 4_900].map(niceCeiling)).toEqual([
    1, 1, 2, 5, 10, 10, 20, 20, 50, 100, 200, 5_000,
  ]);
});

test("the axis takes round steps and ends on one, so the top gridline is labelled", () => {
  expect(axis(0)).toEqual({ max: 1, ticks: [0, 1] });
  expect(axis(3)).toEqual({ max: 3, ticks: [0, 1, 2, 3] });
  expect(axis(26)).toEqual({ max: 30, ticks: [0, 10, 20, 30] });
  expect(axis(50)).toEqual({ max: 60, ticks: [0, 20, 40, 60] });
  expect(axis(1_234)).toEqual({ max: 1_500, ticks: [0, 500, 1_000, 1_500] });
});

test("each column stacks its series bottom to top, scaled to the axis", () => {
  const { max, columns } = stackBars(
    [
      { name: "true", values: [3, 0, 10] },
      { name: "false", values: [2, 0, 0] },
    ],
    300,
    100,
    0,
  );
  expect(max).toBe(10);
  expect(columns[0]).toEqual([
    { series: "true", value: 3, x: 0, y: 70, width: 100, height: 30 },
    { series: "false", value: 2, x: 0, y: 50, width: 100, height: 20 },
  ]);
  expect(columns[1]).toEqual([]);
  expect(columns[2]).toEqual([
    { series: "true", value: 10, x: 200, y: 0, width: 100, height: 100 },
  ]);
});

test("the gap is split on both sides of a bar", () => {
  const { columns } = stackBars([{ name: "true", values: [1, 1] }], 200, 50, 0.5);
  expect(columns[0]?.[0]).toMatchObject({ x: 25, width: 50 });
  expect(columns[1]?.[0]).toMatchObject({ x: 125, width: 50 });
});

test("no data at all is an empty chart with a usable axis", () => {
  expect(stackBars([{ name: "true", values: [0, 0] }], 100, 100)).toEqual({
    max: 1,
    ticks: [0, 1],
    columns: [[], []],
  });
  expect(stackBars([], 100, 100)).toEqual({ max: 1, ticks: [0, 1], columns: [] });
});
