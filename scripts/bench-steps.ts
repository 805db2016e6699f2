/**
 * In-process benchmark of the warm evaluation path, no network: `bun scripts/bench-steps.ts`.
 * Each line is the cost of one step on a flag that is already cached, so a regression shows
 * up in the step that caused it. (HTTP throughput is measured by scripts/bench-evaluate.ts.)
 */

import { EnvelopeWriter } from "@togglemaster/shared/events";
import { createLogger } from "@togglemaster/shared/logger";
import { Registry } from "@togglemaster/shared/metrics";
import { createEvaluationApp } from "../services/evaluation/app.ts";
import { bucketOf } from "../services/evaluation/bucket.ts";
import { FlagCache, FlagListCache } from "../services/evaluation/cache.ts";
import { compileFlag, type FlagSnapshot } from "../services/evaluation/decide.ts";
import { EventPublisher, PACK_SLICE } from "../services/evaluation/events.ts";

const SNAPSHOT: FlagSnapshot = {
  flag: { name: "bench-flag", is_enabled: true },
  rule: { is_enabled: true, rules: { type: "PERCENTAGE", value: 50 } },
};
const users = Array.from({ length: 1024 }, (_, index) => `user-${index}`);
const logger = createLogger({ service: "bench", level: "error", write: () => {} });
// The access log as shipped (`info`, hot routes summarised); only the write itself is skipped.
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

measure("bucketOf (SHA-1)", 1_000_000, (index) => bucketOf(user(index), "bench-flag"));

const contexts = users.map((targetingKey) => ({ targetingKey }));
const context = (index: number) => contexts[index & 1023] as { targetingKey: string };

const compiled = compileFlag("bench-flag", SNAPSHOT);
measure("evaluate, compiled PERCENTAGE flag", 1_000_000, (index) =>
  compiled.evaluate(context(index)),
);

const cache = new FlagCache({
  fetchSnapshot: async () => SNAPSHOT,
  logger,
  metrics: new Registry(),
});
await cache.load("bench-flag");
measure("cache.peek + evaluate", 1_000_000, (index) =>
  cache.peek("bench-flag")?.evaluate(context(index)),
);

// A queue that accepts everything at once: the cost measured is recording and packing.
const publisher = new EventPublisher({
  sqs: {
    send: async () => ({ Successful: [], Failed: [], $metadata: {} }),
    destroy: () => {},
  } as unknown as ConstructorParameters<typeof EventPublisher>[0]["sqs"],
  queueUrl: "http://queue",
  logger,
  metrics: new Registry(),
});
measure("events.record", 1_000_000, (index) =>
  publisher.record(user(index), "bench-flag", true, "on"),
);
await publisher.close();

// Packing and sealing, as the publisher's timers do them: per event (a part compressed after
// each slice), and per message (the rest compressed, the parts joined).
let writer = new EnvelopeWriter("bench", 1, Date.now());
const sealed: EnvelopeWriter[] = [];
measure("packing an event into a message", 1_000_000, (index) => {
  if (index % PACK_SLICE === PACK_SLICE - 1) writer.compressAdded();
  const event = {
    time: writer.start + (index >> 6),
    userId: user(index),
    flagName: "bench-flag",
    result: index % 2 === 0,
    variant: index % 2 === 0 ? "on" : "off",
  };
  if (writer.addEvent(event)) return;
  sealed.push(writer);
  writer = new EnvelopeWriter("bench", sealed.length + 1, event.time);
  writer.addEvent(event);
});
const full = sealed.slice(0, 20);
const perMessage = Math.round(
  full.reduce((sum, message) => sum + message.eventCount, 0) / full.length,
);
measure(`sealing a message (${perMessage} events, gzip + base64)`, full.length * 5, (index) =>
  full[index % full.length]?.encode(),
);

const app = createEvaluationApp({
  cache,
  flagList: new FlagListCache({ list: async () => ["bench-flag"] }),
  events: { record() {}, close: async () => {} },
  auth: {
    jwtSecret: "bench-secret-bench-secret-bench-secret",
    validateKey: async () => ({ id: 1, name: "bench" }),
  },
  edge: {
    service: "evaluation",
    logger: accessLogger,
    metrics: new Registry(),
    hotRoutes: ["/evaluate"],
  },
});
const requests = users.map((id) => `http://localhost/evaluate?user_id=${id}&flag_name=bench-flag`);
await measureAsync("GET /evaluate through the edge (app.handle)", 200_000, async (index) => {
  const response = await app.handle(new Request(requests[index & 1023] as string));
  return response.text();
});
