import { expect, test } from "bun:test";
import { committedTemplates, generateCharts } from "./generate.ts";

test("the committed templates are exactly what `bun charts/generate.ts` writes", async () => {
  const generated = generateCharts();
  const committed = await committedTemplates();
  expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
  for (const [path, text] of generated) {
    expect({ path, text: committed.get(path) }).toEqual({ path, text });
  }
});
