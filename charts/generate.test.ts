import { expect, test } from "bun:test";
import { committedFiles, generateCharts } from "./generate.ts";

test("the committed templates, values and outputs files are exactly what `bun charts/generate.ts` writes", async () => {
  const generated = generateCharts();
  const committed = await committedFiles();
  expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
  for (const [path, text] of generated) {
    expect({ path, text: committed.get(path) }).toEqual({ path, text });
  }
});
