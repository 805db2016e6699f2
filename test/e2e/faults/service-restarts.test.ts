/**
 * flag-service, targeting-service and auth-service crash (SIGKILL) and come back, one after
 * the other, while `/evaluate` is under load: evaluation keeps deciding warmed flags from
 * what it last knew, so every request is a 200; once they are back, changes flow again.
 */
import { expect, test } from "bun:test";
import {
  expectAlwaysAnswered,
  expectEveryEventAccountedFor,
  FLAGS,
  faultStackForFile,
  report,
} from "./fault-stack.ts";

const fault = faultStackForFile();

const SERVICES = ["flag", "targeting", "auth"] as const;
/** Long enough for evaluation to try, and fail, to reload every flag from the dead service. */
const DOWN_MS = 1_500;

test("killing and restarting flag, targeting and auth in turn: all 200s, changes seen after", async () => {
  const pids = Object.fromEntries(
    SERVICES.map((service) => [service, fault().stack.service(service)?.pid]),
  );
  const errorsBefore = {
    flag: await fault().upstreamErrors("flag"),
    targeting: await fault().upstreamErrors("targeting"),
  };

  const load = await fault().underLoad(async () => {
    for (const service of SERVICES) {
      await fault().stack.killService(service);
      await fault().announceChanges();
      await Bun.sleep(DOWN_MS);
      await fault().stack.restartService(service);
    }
  });

  // evaluation really went to flag and targeting while each was down, and failed.
  expect(await fault().upstreamErrors("flag")).toBeGreaterThan(errorsBefore.flag);
  expect(await fault().upstreamErrors("targeting")).toBeGreaterThan(errorsBefore.targeting);
  // New processes, and the platform works through all of them again: the key is checked
  // by the new auth, the change is stored by the new flag and seen by evaluation.
  for (const service of SERVICES)
    expect(fault().stack.service(service)?.pid).not.toBe(pids[service]);
  const updated = await fault().call("flag", "PUT", `/flags/${FLAGS.plain}`, { is_enabled: false });
  expect(updated.status).toBe(200);
  expect(await fault().showsResult(FLAGS.plain, false, 5_000)).toBe(true);

  const events = await fault().settle(load);
  report("service-restarts", load, events);
  expectAlwaysAnswered(load);
  expectEveryEventAccountedFor(events);
  expect(events.dropped).toBe(0);
}, 180_000);
