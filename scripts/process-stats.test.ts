import { describe, expect, test } from "bun:test";
import { cpuSeconds, median, memoryOf } from "./process-stats.ts";

describe("process stats", () => {
  test("the median of an odd count is the middle value, of an even count the mean of the two", () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  test("memory splits into anonymous and file-backed pages that add up to the RSS", () => {
    const { rssMiB, anonymousMiB, fileMiB } = memoryOf(process.pid);
    expect(anonymousMiB).toBeGreaterThan(1);
    expect(fileMiB).toBeGreaterThan(1);
    // RssShmem is the third part; this process has next to none.
    expect(rssMiB - anonymousMiB - fileMiB).toBeLessThan(1);
  });

  test("CPU time grows while the process computes", async () => {
    const before = await cpuSeconds(process.pid);
    const until = performance.now() + 100;
    while (performance.now() < until) Math.sqrt(Math.random());
    expect(await cpuSeconds(process.pid)).toBeGreaterThan(before);
  });
});
