import { expect, test } from "bun:test";
import { sliderPosition } from "./percentage.ts";

test("the slider shows what is typed, pinned to 0–100, and 0 for what is not a number", () => {
  expect(["30", "12.5", "150", "-4", "", " ", "abc"].map(sliderPosition)).toEqual([
    30, 12.5, 100, 0, 0, 0, 0,
  ]);
});
