import { expect, test } from "bun:test";
import { finOpsTable } from "./finops.ts";

test("a month of one write unit per evaluation at 1k evaluations/s, with counters and SQS", () => {
  const table = finOpsTable([
    {
      items: "all",
      evaluations: 1_000_000,
      sqsRequests: 1_000,
      itemWriteUnits: 1_000_000,
      counterWriteUnits: 0,
    },
  ]);
  // 1,000 units/s × 2,628,000 s × $0.625/M = $1,642.50; counters 2 × 50 × 2 / 10 s = 20 units/s
  // = $32.85; SQS 1 request/s = $1.05.
  expect(table).toContain("| all | 1,000 | 1,000,000 | 0 | $0.6254 |");
  expect(table).toContain("| all | $1,676 |");
});
