/**
 * SQS stops answering for a while (the emulator is frozen with SIGSTOP: connections hang,
 * nothing queued is lost) under load: evaluation answers every request as before, holds
 * the events it cannot send and sends them once SQS is back. Any event it had to drop is
 * counted in `evaluation_events_dropped_total`; every other one reaches DynamoDB.
 */
import { expect, test } from "bun:test";
import { metricValue } from "./events.ts";
import {
  expectAlwaysAnswered,
  expectEveryEventAccountedFor,
  faultStackForFile,
  OUTAGE_MS,
  report,
} from "./fault-stack.ts";

// ~400 evaluations a second for the whole outage overflow a 500-event buffer.
const fault = faultStackForFile({ eventBuffer: 500 });

test("SQS frozen and thawed: all 200s, every event sent or counted as dropped", async () => {
  let bufferedDuringOutage = 0;
  const load = await fault().underLoad(async () => {
    fault().emulators.sqs.freeze();
    await Bun.sleep(OUTAGE_MS);
    bufferedDuringOutage = await metricValue(
      fault().stack.url("evaluation"),
      "evaluation_events_buffered",
    );
    fault().emulators.sqs.thaw();
  });
  // The outage was felt: events piled up in evaluation instead of reaching the queue,
  // and the buffer overflowed, so some were dropped (and counted).
  expect(bufferedDuringOutage).toBeGreaterThan(0);
  expect(
    await metricValue(fault().stack.url("evaluation"), "evaluation_events_dropped_total"),
  ).toBeGreaterThan(0);

  const events = await fault().settle(load);
  report("sqs-outage", load, events);
  expectAlwaysAnswered(load);
  expectEveryEventAccountedFor(events);
}, 180_000);
