import { expect, test } from "bun:test";
import { budgetReport, bundleConsole } from "./build.ts";

const js = "text/javascript;charset=utf-8";

test("only JavaScript counts against the budget, gzipped", () => {
  const report = budgetReport(
    [
      { path: "a.js", type: js, raw: 9_000, gzipped: 600 },
      { path: "b.js", type: js, raw: 900, gzipped: 400 },
      { path: "c.css", type: "text/css", raw: 50_000, gzipped: 5_000 },
    ],
    1_000,
  );
  expect(report.ok).toBe(true);
  expect(report.javascript).toBe(1_000);
  expect(report.text).toContain("JavaScript, gzipped: 1.0 KiB of a 1.0 KiB budget (100 %)");
});

test("one byte over the budget fails", () => {
  expect(budgetReport([{ path: "a.js", type: js, raw: 2_000, gzipped: 1_001 }], 1_000).ok).toBe(
    false,
  );
});

test("the real console bundles and fits its budget", async () => {
  const assets = await bundleConsole();
  expect(assets.some((asset) => asset.type.startsWith("text/javascript"))).toBe(true);
  expect(assets.some((asset) => asset.path === "index.html")).toBe(true);
  expect(budgetReport(assets).ok).toBe(true);
});
