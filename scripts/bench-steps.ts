/**
 * In-process benchmark of the warm evaluation path, no network: `bun services/evaluation/bench.ts`.
 * Each line is the cost of one step on a flag that is already cached, so a regression shows
 * up in the step that caused it. (HTTP throughput is measured by scripts/bench-evaluate.ts.)
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { createLogger } from "@togglemaster/shared/logger";
import { Registry } from "@togglemaster/shared/metrics";
import { createEvaluationApp } from "./app.ts";
import { bucketOf } from "./bucket.ts";
import { createFlagCache, createFlagListCache } from "./cache.ts";
import { compileFlag, type FlagSnapshot } from "./decide.ts";
import { createEventPublisher, discardEvents } from "./events.ts";

const SNAPSHOT: FlagSnapshot = {
  flag: { name: "bench-flag", is_enabled: true },
  rule: { is_enabled: true, rules: { type: "PERCENTAGE", value: 50 } },
};
const users = Array.from({ length: 1024 }, (_, index) => `user-${index}`);
const logger = createLogger({ service: "bench", level: "error", write: () => {} });
// The app logs one line per request, as in production; only the write itself is skipped.
const accessLogger = createLogger({ service: "bench", level: "info", write: () => {} });

function measure(name: string, iterations: number, step: (index: number) => unknown) {
  for (let index = 0; index < iterations / 10; index++) step(index);
  const started = performance.now();
  for (let index = 0; index < iterations; index++) step(index);
  report(name, iterations, performance.now() - started);
}

async function measureAsync(
  name: string,
  iterations: number,
  step: (index: number) => Promise<unknown>,
) {
  for (let index = 0; index < iterations / 10; index++) await step(index);
  const started = performance.now();
  for (let index = 0; index < iterations; index++) await step(index);
  report(name, iterations, performance.now() - started);
}

function report(name: string, iterations: number, elapsedMs: number) {
  const nanoseconds = (elapsedMs * 1e6) / iterations;
  const perSecond = Math.round(iterations / (elapsedMs / 1000)).toLocaleString("en");
  console.log(
    `${name.padEnd(44)} ${nanoseconds.toFixed(0).padStart(7)} ns   ${perSecond.padStart(12)} /s`,
  );
}

const user = (index: number) => users[index & 1023] as string;

measure("bucketOf (SHA-1, one block)", 1_000_000, (index) => bucketOf(user(index), "bench-flag"));

const compiled = compileFlag("bench-flag", SNAPSHOT);
measure("decide, compiled PERCENTAGE flag", 1_000_000, (index) => compiled.decide(user(index)));

const cache = createFlagCache({
  fetchSnapshot: async () => SNAPSHOT,
  logger,
  metrics: new Registry(),
  localTtlMs: 60_000,
});
await cache.load("bench-flag");
measure("cache.peek + decide", 1_000_000, (index) => cache.peek("bench-flag")?.decide(user(index)));

// A queue nobody answers: records are buffered (and dropped past the bound), never sent.
const publisher = createEventPublisher({
  sqs: new SQSClient({ region: "us-east-1", endpoint: "http://127.0.0.1:9", maxAttempts: 1 }),
  queueUrl: "http://127.0.0.1:9/000000000000/bench",
  logger,
  metrics: new Registry(),
});
measure("events.record", 1_000_000, (index) => publisher.record(user(index), "bench-flag", true));
await publisher.close();

const app = createEvaluationApp({
  cache,
  flagList: createFlagListCache({ list: async () => ["bench-flag"] }),
  events: discardEvents,
  jwtSecret: "bench-secret-bench-secret-bench-secret",
  validateKey: async () => true,
  logger: accessLogger,
  metrics: new Registry(),
  ready: {},
});
const requests = users.map((id) => `http://localhost/evaluate?user_id=${id}&flag_name=bench-flag`);
await measureAsync("GET /evaluate through Elysia (app.handle)", 200_000, async (index) => {
  const response = await app.handle(new Request(requests[index & 1023] as string));
  return response.text();
});
