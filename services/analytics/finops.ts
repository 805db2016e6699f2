/**
 * What analytics costs on AWS, from what the bill test measures against the emulators
 * (bill.test.ts prints it; the README's FinOps section shows the result). Pure.
 *
 * Billing rules it applies: an SQS request is billed per started 64 KiB of its payload
 * (a receive of ten full messages is ten requests, a delete call one); a DynamoDB write
 * costs one write unit per started KB of the item, for an update the larger of its size
 * before and after.
 */

/** On-demand prices in us-east-1 (US dollars per million). */
export const PRICES = {
  /** DynamoDB, standard table class, after the November 2024 reduction (it was $1.25). */
  writeUnits: 0.625,
  /** SQS standard queue, beyond the first free million a month. */
  sqsRequests: 0.4,
};

/** One run of the bill test: evaluations consumed and what consuming them cost. */
export interface MeasuredRun {
  /** How event items were kept: `all`, `sample 1 %`, `none`. */
  items: string;
  evaluations: number;
  /** Billed SQS requests of the receives that returned messages and of the deletes. */
  sqsRequests: number;
  /** Write units of event items. */
  itemWriteUnits: number;
  /** Write units of counter updates. */
  counterWriteUnits: number;
}

/**
 * Counters at scale do not follow evaluations but flags and evaluation processes: each
 * process ships the counts of every flag it evaluated every 10 s (evaluation's default),
 * and an update costs up to 2 write units once an hour's item holds a few hundred
 * message numbers.
 */
export const COUNTERS_AT_SCALE = {
  activeFlags: 50,
  countsIntervalSeconds: 10,
  writeUnitsPerUpdate: 2,
};

/** Evaluation rates of the monthly table and the evaluation processes assumed for each. */
export const RATES = [
  { evaluationsPerSecond: 1_000, producers: 2 },
  { evaluationsPerSecond: 10_000, producers: 4 },
  { evaluationsPerSecond: 100_000, producers: 20 },
];

const SECONDS_PER_MONTH = 730 * 3_600;

const whole = (value: number) => Math.round(value).toLocaleString("en-US");
const dollars = (value: number) =>
  value >= 100
    ? `$${whole(value)}`
    : `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** Dollars a month for a steady rate of billed units per second. */
const monthly = (unitsPerSecond: number, pricePerMillion: number) =>
  (unitsPerSecond * SECONDS_PER_MONTH * pricePerMillion) / 1e6;

export function finOpsTable(runs: readonly MeasuredRun[]): string {
  const perEvaluation = (run: MeasuredRun, units: number) => units / run.evaluations;
  const lines = [
    "Per million evaluations, measured (compressed v2 messages; counters as measured, one batch):",
    "",
    "| event items | SQS requests | write units: items | write units: counters | cost |",
    "|---|---:|---:|---:|---:|",
    ...runs.map((run) => {
      const sqs = perEvaluation(run, run.sqsRequests) * 1e6;
      const items = perEvaluation(run, run.itemWriteUnits) * 1e6;
      const counters = perEvaluation(run, run.counterWriteUnits) * 1e6;
      const cost = (sqs * PRICES.sqsRequests + (items + counters) * PRICES.writeUnits) / 1e6;
      return `| ${run.items} | ${whole(sqs)} | ${whole(items)} | ${whole(counters)} | $${cost.toFixed(4)} |`;
    }),
    "",
    `Per month (730 h) at $${PRICES.writeUnits.toFixed(3)} per million write units and $${PRICES.sqsRequests.toFixed(2)} per million SQS requests; counters: ${COUNTERS_AT_SCALE.activeFlags} flags shipped every ${COUNTERS_AT_SCALE.countsIntervalSeconds} s by ${RATES.map((rate) => rate.producers).join(" / ")} evaluation processes, ${COUNTERS_AT_SCALE.writeUnitsPerUpdate} write units an update:`,
    "",
    `| event items | ${RATES.map((rate) => `${whole(rate.evaluationsPerSecond / 1_000)}k evaluations/s`).join(" | ")} |`,
    `|---|${RATES.map(() => "---:").join("|")}|`,
    ...runs.map((run) => {
      const cells = RATES.map(({ evaluationsPerSecond, producers }) => {
        const counterUnits =
          (producers * COUNTERS_AT_SCALE.activeFlags * COUNTERS_AT_SCALE.writeUnitsPerUpdate) /
          COUNTERS_AT_SCALE.countsIntervalSeconds;
        const itemUnits = evaluationsPerSecond * perEvaluation(run, run.itemWriteUnits);
        const sqs = evaluationsPerSecond * perEvaluation(run, run.sqsRequests);
        return dollars(
          monthly(itemUnits + counterUnits, PRICES.writeUnits) + monthly(sqs, PRICES.sqsRequests),
        );
      });
      return `| ${run.items} | ${cells.join(" | ")} |`;
    }),
  ];
  return lines.join("\n");
}
