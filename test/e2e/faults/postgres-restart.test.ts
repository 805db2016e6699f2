/**
 * PostgreSQL (the auth, flag and targeting databases) restarts under load: while it is
 * down, writes are refused with 503 (never 500) and evaluation keeps deciding warm flags;
 * once it is back, the same processes reconnect by themselves and writes succeed again.
 */
import { beforeAll, expect, test } from "bun:test";
import { MASTER_KEY } from "../../support/stack.ts";
import {
  expectAlwaysAnswered,
  expectEveryEventAccountedFor,
  FLAGS,
  faultStackForFile,
  OUTAGE_MS,
  report,
} from "./fault-stack.ts";
import { eventually } from "./support.ts";

const fault = faultStackForFile({ ownPostgres: true });
let token: string;

beforeAll(async () => {
  const issued = await fault().call("auth", "POST", "/token");
  expect(issued.status).toBe(200);
  token = issued.body.token;
});

const SERVICES = ["auth", "flag", "targeting", "evaluation"] as const;
const NEW_FLAG = "fault-after-restart";

/**
 * One write per service. flag and targeting get the JWT, which they verify themselves, so
 * what they answer is about their own database, not auth's.
 */
const writes = {
  createFlag: () =>
    fault().call("flag", "POST", "/flags", { name: NEW_FLAG, is_enabled: true }, token),
  updateFlag: () =>
    fault().call("flag", "PUT", `/flags/${FLAGS.plain}`, { description: "restarted" }, token),
  createRule: () =>
    fault().call(
      "targeting",
      "POST",
      "/rules",
      { flag_name: NEW_FLAG, rules: { type: "PERCENTAGE", value: 100 } },
      token,
    ),
  createKey: () =>
    fault().call("auth", "POST", "/admin/keys", { name: "after-restart" }, MASTER_KEY),
};

test("PostgreSQL restarted: writes 503 while down, evaluation all 200s, writes succeed after without restarts", async () => {
  const pids = Object.fromEntries(
    SERVICES.map((service) => [service, fault().stack.service(service)?.pid]),
  );
  const refused: Record<string, unknown> = {};
  const succeeded: Record<string, boolean> = {};
  const flagErrorsBefore = await fault().upstreamErrors("flag");

  const load = await fault().underLoad(async () => {
    await fault().postgres?.stop();
    for (const [name, write] of Object.entries(writes)) {
      const { status, body } = await write();
      refused[name] = { status, code: body?.code };
    }
    await fault().announceChanges();
    await Bun.sleep(OUTAGE_MS);
    await fault().postgres?.start();
    // In order: the rule needs the flag. Pools notice the new server by themselves.
    for (const [name, write] of Object.entries(writes))
      succeeded[name] = await eventually(
        async () => [200, 201].includes((await write()).status),
        30_000,
        250,
      );
  });

  const databaseDown = { status: 503, code: "DATABASE_UNAVAILABLE" };
  expect(refused).toEqual({
    createFlag: databaseDown,
    updateFlag: databaseDown,
    createRule: databaseDown,
    createKey: databaseDown,
  });
  expect(succeeded).toEqual({
    createFlag: true,
    updateFlag: true,
    createRule: true,
    createKey: true,
  });
  for (const service of SERVICES) expect(fault().stack.service(service)?.pid).toBe(pids[service]);
  // evaluation went to flag-service during the outage, which could not answer.
  expect(await fault().upstreamErrors("flag")).toBeGreaterThan(flagErrorsBefore);
  expect(await fault().showsResult(NEW_FLAG, true, 5_000)).toBe(true);

  const events = await fault().settle(load);
  report("postgres-restart", load, events);
  expectAlwaysAnswered(load);
  expectEveryEventAccountedFor(events);
  expect(events.dropped).toBe(0);
}, 180_000);
