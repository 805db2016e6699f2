/**
 * Redis (the shared cache tier and the change-notice channel) dies under load and comes
 * back empty: evaluation keeps answering from memory, changes still show within its short
 * fallback lifetime while notices cannot arrive, and notices flow again once it is back.
 */
import { expect, test } from "bun:test";
import { CHANGE_CHANNEL } from "@togglemaster/shared/changes";
import Redis from "ioredis";
import {
  expectAlwaysAnswered,
  expectEveryEventAccountedFor,
  FLAGS,
  faultStackForFile,
  OUTAGE_MS,
  report,
} from "./fault-stack.ts";
import { eventually } from "./support.ts";

const fault = faultStackForFile();

/**
 * Above the 1 s an entry lives while notices cannot arrive, far below the 15 s after which
 * a warm flag is refreshed while they do: a change seen within it after Redis is back was
 * seen through its notice.
 */
const CHANGE_VISIBLE_MS = 3_000;

/** The next change notice on the channel (undefined if none comes), from a test connection. */
async function nextNotice(redisUrl: string) {
  const listener = new Redis(redisUrl, { maxRetriesPerRequest: 0 });
  listener.on("error", () => {});
  await listener.subscribe(CHANGE_CHANNEL);
  const received = Promise.race([
    new Promise<unknown>((resolve) =>
      listener.once("message", (_channel, message: string) => resolve(JSON.parse(message))),
    ),
    Bun.sleep(5_000).then(() => undefined),
  ]);
  return { received, close: () => listener.disconnect() };
}

test("Redis down and back: all 200s, changes seen during the outage and notified after it", async () => {
  let changedDuringOutage = false;
  const load = await fault().underLoad(async () => {
    await fault().redis.stop();
    // Writes do not depend on Redis; their notices are lost, the fallback lifetime shows them.
    const written = await fault().call("flag", "PUT", `/flags/${FLAGS.plain}`, {
      is_enabled: false,
    });
    expect(written.status).toBe(200);
    changedDuringOutage = await fault().showsResult(FLAGS.plain, false, CHANGE_VISIBLE_MS);
    await Bun.sleep(OUTAGE_MS);
    await fault().redis.start();
  });
  expect(changedDuringOutage).toBe(true);

  // evaluation subscribes again by itself, and flag-service publishes again by itself.
  expect(
    await eventually(async () => (await fault().redis.subscribers(CHANGE_CHANNEL)) >= 1, 15_000),
  ).toBe(true);
  // Warm flags are reloaded within a second of the subscription; after that they live 30 s.
  await Bun.sleep(2_000);
  const notice = await nextNotice(fault().redis.url);
  try {
    const written = await fault().call("flag", "PUT", `/flags/${FLAGS.plain}`, {
      is_enabled: true,
    });
    expect(written.status).toBe(200);
    expect(await notice.received).toEqual({
      kind: "flag",
      name: FLAGS.plain,
      action: "updated",
    });
  } finally {
    notice.close();
  }
  expect(await fault().showsResult(FLAGS.plain, true, CHANGE_VISIBLE_MS)).toBe(true);

  const events = await fault().settle(load);
  report("redis-outage", load, events);
  expectAlwaysAnswered(load);
  expectEveryEventAccountedFor(events);
  expect(events.dropped).toBe(0);
}, 180_000);
