import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Clock, systemClock } from "@togglemaster/shared/clock";
import type { EvaluationEvent } from "@togglemaster/shared/events";
import {
  envelopeBodies,
  sendBodies,
  sendV1Events,
  uniqueName,
  useEmulators,
} from "../../test/support/analytics.ts";
import { type AuthFixture, startAuthService } from "../../test/support/auth.ts";
import { FakeClock } from "../../test/support/clock.ts";
import {
  bearer,
  json,
  postgresReachable,
  TEST_POSTGRES_URL,
  waitFor,
} from "../../test/support/testing.ts";
import { HEARTBEAT_LIMIT_MS } from "./probes.ts";

/** A port nothing listens on: connections are refused at once. */
const CLOSED = "http://127.0.0.1:1";
/** The key the stand-in for auth-service accepts. */
const KEY = `tm_key_${"a".repeat(64)}`;
const TIMEOUT_MS = 30_000;

const aws = useEmulators({
  validateKey: async (key) => (key === KEY ? { id: 1, name: "analytics-tests" } : undefined),
});
const analytics = aws.analytics;

const get = async (base: string, path: string, credential: string | null = KEY) =>
  json(await fetch(`${base}${path}`, { headers: credential === null ? {} : bearer(credential) }));

/** The three probes' answers, as the SPEC names their states. */
const PROBE = {
  started: { status: 200, body: { status: "started" } },
  notStarted: { status: 500, body: { status: "not-started" } },
  alive: { status: 200, body: { status: "alive" } },
  dead: { status: 500, body: { status: "dead" } },
  ready: { status: 200, body: { status: "ready" } },
  notReady: { status: 500, body: { status: "not-ready" } },
};

const probes = async (base: string) => ({
  startup: await get(base, "/health/startup"),
  live: await get(base, "/health/live"),
  ready: await get(base, "/health/ready"),
});

describe("probes", () => {
  test(
    "are 500 before the consumer starts and 200 as soon as it runs",
    async () => {
      const fixture = await analytics({ start: false });
      expect(await probes(fixture.url)).toEqual({
        startup: PROBE.notStarted,
        live: PROBE.dead,
        ready: PROBE.notReady,
      });

      fixture.consumer.start();
      // The queue is empty: readiness must not wait for a 20 s long poll to come back.
      await waitFor(
        "readiness",
        async () => (await get(fixture.url, "/health/ready")).status === 200,
      );
      expect(await probes(fixture.url)).toEqual({
        startup: PROBE.started,
        live: PROBE.alive,
        ready: PROBE.ready,
      });
      expect(await get(fixture.url, "/health")).toEqual({ status: 200, body: { status: "ok" } });
    },
    TIMEOUT_MS,
  );

  test(
    "ready is 500 while SQS is unreachable; the service stays started and alive",
    async () => {
      const fixture = await analytics({ sqsEndpoint: CLOSED });
      await waitFor(
        "a failed receive",
        () => fixture.metric("analytics_sqs_receive_failures_total") > 0,
      );
      await waitFor("the DynamoDB check", () => fixture.consumer.health().storeReachable);
      expect(await probes(fixture.url)).toEqual({
        startup: PROBE.started,
        live: PROBE.alive,
        ready: PROBE.notReady,
      });
    },
    TIMEOUT_MS,
  );

  test(
    "ready is 500 while DynamoDB is unreachable",
    async () => {
      const fixture = await analytics({ dynamoEndpoint: CLOSED });
      await waitFor("a failed check", () => {
        fixture.logger.flush();
        return fixture.logger.lines.some((line) => line.includes("DynamoDB unreachable"));
      });
      expect(await get(fixture.url, "/health/ready")).toEqual(PROBE.notReady);
    },
    TIMEOUT_MS,
  );

  test(
    "live is 500 once the poll loop has not turned for a minute",
    async () => {
      const clock = new FakeClock();
      const fixture = await analytics({ clock });
      await waitFor("a heartbeat", () => fixture.consumer.health().lastHeartbeat !== undefined);
      // The poll loop now waits in a 20 s long poll on the emulator, which the clock does not move.
      await waitFor("the long poll", () => fixture.consumer.health().queueReachable);
      await clock.advance(HEARTBEAT_LIMIT_MS);
      expect(await get(fixture.url, "/health/live")).toEqual(PROBE.alive);
      await clock.advance(1);
      expect(await get(fixture.url, "/health/live")).toEqual(PROBE.dead);
    },
    TIMEOUT_MS,
  );
});

/** The system clock, showing `at` when it is created. */
function clockAt(at: string): Clock {
  const offset = Date.parse(at) - Date.now();
  return { ...systemClock, now: () => Date.now() + offset };
}

const hourAt = (first: string, index: number) =>
  new Date(Date.parse(first) + index * 3_600_000).toISOString().replace(".000Z", "Z");

/** 24 empty hours from `first`. */
const emptyHours = (first: string) =>
  Array.from({ length: 24 }, (_, index) => ({
    hour: hourAt(first, index),
    true: 0,
    false: 0,
    variants: {} as Record<string, number>,
  }));

describe("GET /analytics/flags/:name", () => {
  test(
    "counts true and false results and variants per hour over the last 24 hours, from v1 and v2 messages",
    async () => {
      const fixture = await analytics({ clock: clockAt("2026-11-26T09:30:00Z") });
      const flag = uniqueName("counted");
      const other = uniqueName("other");
      const at = (timestamp: string, result: boolean, flag_name = flag) => ({
        user_id: "u",
        flag_name,
        result,
        timestamp,
      });
      const v1 = [
        at("2026-11-26T09:10:00Z", true),
        at("2026-11-26T09:10:00.5Z", true),
        at("2026-11-26T09:59:59.999999Z", false),
        at("2026-11-26T06:15:00-03:00", true),
        at("2026-11-26T04:00:00Z", false),
        at("2026-11-26T04:45:00", false),
        at("2026-11-25T10:05:00Z", true),
        at("2026-11-25T09:59:00Z", true), // 24 hours ago: outside the window
        at("2026-11-26T10:00:00Z", true), // the next hour: not yet in the window
        at("2026-11-26T09:00:00Z", false, other),
      ];
      // Two evaluation processes, the second past its first 1,000 messages: three counter items.
      const v2 = (result: boolean, index: number): EvaluationEvent => ({
        time: Date.parse("2026-11-26T09:20:00Z") + index,
        userId: `user-${index}`,
        flagName: flag,
        result,
        variant: result ? "on" : "off",
      });
      const bodies = [
        ...envelopeBodies("p1", [v2(true, 0), v2(false, 1)]),
        ...envelopeBodies("p2", [v2(true, 2)], 999),
        ...envelopeBodies("p2", [v2(true, 3), v2(false, 4)], 1_000),
      ];
      await sendV1Events(aws.clients, fixture.queueUrl, v1);
      await sendBodies(aws.clients, fixture.queueUrl, bodies);
      await fixture.drained();

      const { status, body } = await get(fixture.url, `/analytics/flags/${flag}`);
      expect(status).toBe(200);
      const hours = emptyHours("2026-11-25T10:00:00Z");
      Object.assign(hours[0] ?? {}, { true: 1, variants: { on: 1 } });
      Object.assign(hours[18] ?? {}, { false: 2, variants: { off: 2 } });
      Object.assign(hours[23] ?? {}, { true: 6, false: 3, variants: { on: 6, off: 3 } });
      expect(body).toEqual({
        flag_name: flag,
        hours,
        totals: { true: 7, false: 5, variants: { on: 7, off: 5 } },
      });
    },
    TIMEOUT_MS,
  );

  test(
    "a flag whose values are not booleans is counted per variant",
    async () => {
      const fixture = await analytics({ clock: clockAt("2026-11-26T09:30:00Z") });
      const flag = uniqueName("theme");
      const event = (variant: string, index: number): EvaluationEvent => ({
        time: Date.parse("2026-11-26T08:59:59.999Z") + index,
        userId: `user-${index}`,
        flagName: flag,
        result: null,
        variant,
      });
      await sendBodies(
        aws.clients,
        fixture.queueUrl,
        envelopeBodies("p1", [event("dark", 0), event("light", 1), event("dark", 2)]),
      );
      await fixture.drained();

      const { body } = await get(fixture.url, `/analytics/flags/${flag}`);
      expect(body.hours[22]).toEqual({
        hour: "2026-11-26T08:00:00Z",
        true: 0,
        false: 0,
        variants: { dark: 1 },
      });
      expect(body.hours[23]).toEqual({
        hour: "2026-11-26T09:00:00Z",
        true: 0,
        false: 0,
        variants: { light: 1, dark: 1 },
      });
      expect(body.totals).toEqual({ true: 0, false: 0, variants: { dark: 2, light: 1 } });
    },
    TIMEOUT_MS,
  );

  test(
    "an unknown flag has 24 empty hours",
    async () => {
      const fixture = await analytics({ clock: clockAt("2026-11-26T09:30:00Z") });
      const { status, body } = await get(fixture.url, "/analytics/flags/never-evaluated");
      expect(status).toBe(200);
      expect(body.hours).toEqual(emptyHours("2026-11-25T10:00:00Z"));
      expect(body.totals).toEqual({ true: 0, false: 0, variants: {} });
    },
    TIMEOUT_MS,
  );

  test(
    "rejects a name that cannot be a flag",
    async () => {
      const fixture = await analytics();
      const { status, body } = await get(fixture.url, "/analytics/flags/not%20a%20flag");
      expect(status).toBe(400);
      expect(body.code).toBe("VALIDATION");
    },
    TIMEOUT_MS,
  );

  test(
    "is 503 while DynamoDB is unreachable",
    async () => {
      const fixture = await analytics({ dynamoEndpoint: CLOSED });
      expect(await get(fixture.url, "/analytics/flags/some-flag")).toEqual({
        status: 503,
        body: { error: "Banco de dados indisponível", code: "DATABASE_UNAVAILABLE" },
      });
    },
    TIMEOUT_MS,
  );
});

/** auth-service needs PostgreSQL; without it the one test about real keys is skipped. */
const withPostgres = await postgresReachable();
if (!withPostgres)
  console.warn(`skipping the auth-service test: no PostgreSQL at ${TEST_POSTGRES_URL}`);

describe.skipIf(!withPostgres)("with auth-service", () => {
  let auth: AuthFixture;
  let key: string;

  beforeAll(async () => {
    auth = await startAuthService();
    key = (await auth.createKey("analytics-tests")).key;
  });

  afterAll(() => auth.stop());

  test(
    "the counters need an API key auth-service accepts, or a JWT it issued",
    async () => {
      const fixture = await analytics({ auth, validateKey: undefined });
      const path = "/analytics/flags/some-flag";
      expect((await get(fixture.url, path, null)).status).toBe(401);
      expect((await get(fixture.url, path, `tm_key_${"0".repeat(64)}`)).status).toBe(401);
      expect((await get(fixture.url, path, key)).status).toBe(200);
      expect((await get(fixture.url, path, await auth.token(key))).status).toBe(200);
    },
    TIMEOUT_MS,
  );
});
