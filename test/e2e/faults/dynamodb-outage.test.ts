/**
 * DynamoDB stops answering for a while (the emulator is frozen with SIGSTOP) under load:
 * evaluation is not concerned, analytics holds what it received and leaves the rest in
 * the queue, and once DynamoDB is back every evaluation's event is stored exactly once.
 */
import { expect, test } from "bun:test";
import { queuedEvents } from "./events.ts";
import {
  expectAlwaysAnswered,
  expectEveryEventAccountedFor,
  faultStackForFile,
  OUTAGE_MS,
  report,
} from "./fault-stack.ts";

const fault = faultStackForFile();

test("DynamoDB frozen and thawed: all 200s, every event stored exactly once", async () => {
  let evaluatedDuringOutage = 0;
  let queuedAtEndOfOutage = 0;
  const load = await fault().underLoad(async (running) => {
    fault().emulators.dynamo.freeze();
    const before = running.counts().ok;
    await Bun.sleep(OUTAGE_MS);
    evaluatedDuringOutage = running.counts().ok - before;
    queuedAtEndOfOutage = await queuedEvents(fault().emulators.aws);
    fault().emulators.dynamo.thaw();
  });
  // The outage was felt: events waited in the queue instead of being stored.
  expect(evaluatedDuringOutage).toBeGreaterThan(0);
  expect(queuedAtEndOfOutage).toBeGreaterThan(0);

  const events = await fault().settle(load);
  report("dynamodb-outage", load, events);
  expectAlwaysAnswered(load);
  expectEveryEventAccountedFor(events);
  expect(events.dropped).toBe(0);
  expect(events.stored).toBe(events.evaluations);
}, 180_000);
