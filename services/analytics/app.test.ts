import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { bearer, json } from "@togglemaster/shared/testing";
import { type AwsLocal, createQueue, startAwsLocal } from "../../scripts/aws-local.ts";
import { type AuthFixture, startAuthService } from "../auth/fixture.ts";
import {
  type AnalyticsFixture,
  type AnalyticsFixtureOptions,
  awsClients,
  sendEvents,
  startAnalytics,
  uniqueName,
  waitFor,
} from "./fixture.ts";
import { HEARTBEAT_LIMIT_MS } from "./probes.ts";

/** A port nothing listens on: connections are refused at once. */
const CLOSED = "http://127.0.0.1:1";

let local: AwsLocal;
let clients: ReturnType<typeof awsClients>;
let auth: AuthFixture;
let key: string;
const running: AnalyticsFixture[] = [];

beforeAll(async () => {
  auth = await startAuthService();
  key = (await auth.createKey("analytics-tests")).key;
  local = await startAwsLocal();
  clients = awsClients(local.sqsEndpoint, local.dynamoEndpoint);
});

afterAll(async () => {
  await Promise.all(running.map((fixture) => fixture.stop()));
  clients.sqs.destroy();
  clients.dynamo.destroy();
  await local.stop();
  await auth.stop();
});

async function analytics(options: Partial<AnalyticsFixtureOptions> = {}) {
  const { queueUrl } = await createQueue(local.sqsEndpoint, uniqueName("analytics"));
  const fixture = await startAnalytics({
    queueUrl,
    sqsEndpoint: local.sqsEndpoint,
    dynamoEndpoint: local.dynamoEndpoint,
    auth,
    ...options,
  });
  running.push(fixture);
  return { ...fixture, queueUrl };
}

const get = async (base: string, path: string, credential: string | null = key) =>
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
  test("are 500 before the consumer starts and 200 as soon as it runs", async () => {
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
      10_000,
    );
    expect(await probes(fixture.url)).toEqual({
      startup: PROBE.started,
      live: PROBE.alive,
      ready: PROBE.ready,
    });
    expect(await get(fixture.url, "/health")).toEqual({ status: 200, body: { status: "ok" } });
  });

  test("ready is 500 while SQS is unreachable; the service stays started and alive", async () => {
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
  });

  test("ready is 500 while DynamoDB is unreachable", async () => {
    const fixture = await analytics({ dynamoEndpoint: CLOSED });
    await waitFor("a failed check", () =>
      fixture.logger.lines.some((line) => line.includes("DynamoDB unreachable")),
    );
    expect(await get(fixture.url, "/health/ready")).toEqual(PROBE.notReady);
  });

  test("live is 500 when the poll loop has not turned for a minute", async () => {
    const fixture = await analytics({ now: () => Date.now() + HEARTBEAT_LIMIT_MS + 5_000 });
    await waitFor("a heartbeat", () => fixture.consumer.health().lastHeartbeat !== undefined);
    expect(await get(fixture.url, "/health/live")).toEqual(PROBE.dead);
  });
});

describe("GET /analytics/flags/:name", () => {
  test("needs an API key or a JWT", async () => {
    const fixture = await analytics();
    expect((await get(fixture.url, "/analytics/flags/some-flag", null)).status).toBe(401);
    expect(
      (await get(fixture.url, "/analytics/flags/some-flag", `tm_key_${"0".repeat(64)}`)).status,
    ).toBe(401);
    expect(
      (await get(fixture.url, "/analytics/flags/some-flag", await auth.token(key))).status,
    ).toBe(200);
  });

  const now = Date.parse("2026-11-26T09:30:00Z");

  test("counts true and false results per hour over the last 24 hours", async () => {
    const fixture = await analytics({ now: () => now });
    const flag = uniqueName("counted");
    const other = uniqueName("other");
    const at = (timestamp: string, result: boolean, flag_name = flag) => ({
      user_id: "u",
      flag_name,
      result,
      timestamp,
    });
    const events = [
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
    await sendEvents(clients, fixture.queueUrl, events);
    await waitFor(
      "stored events",
      () => fixture.metric("analytics_events_stored_total") === events.length,
    );

    const { status, body } = await get(fixture.url, `/analytics/flags/${flag}`);
    expect(status).toBe(200);
    const expected = Array.from({ length: 24 }, (_, index) => ({
      hour: new Date(Date.parse("2026-11-25T10:00:00Z") + index * 3_600_000)
        .toISOString()
        .replace(".000Z", "Z"),
      true: 0,
      false: 0,
    }));
    Object.assign(expected[0] ?? {}, { true: 1 });
    Object.assign(expected[18] ?? {}, { false: 2 });
    Object.assign(expected[23] ?? {}, { true: 3, false: 1 });
    expect(body).toEqual({ flag_name: flag, hours: expected, totals: { true: 4, false: 3 } });
  });

  test("an unknown flag has 24 empty hours", async () => {
    const fixture = await analytics({ now: () => now });
    const { status, body } = await get(fixture.url, "/analytics/flags/never-evaluated");
    expect(status).toBe(200);
    expect(body.hours).toHaveLength(24);
    expect(body.hours[0]).toEqual({ hour: "2026-11-25T10:00:00Z", true: 0, false: 0 });
    expect(body.hours[23]).toEqual({ hour: "2026-11-26T09:00:00Z", true: 0, false: 0 });
    expect(body.totals).toEqual({ true: 0, false: 0 });
  });

  test("rejects a name that cannot be a flag", async () => {
    const fixture = await analytics();
    const { status, body } = await get(fixture.url, "/analytics/flags/not%20a%20flag");
    expect(status).toBe(400);
    expect(body.code).toBe("VALIDATION");
  });

  test("is 503 while DynamoDB is unreachable", async () => {
    const fixture = await analytics({ dynamoEndpoint: CLOSED });
    expect(await get(fixture.url, "/analytics/flags/some-flag")).toEqual({
      status: 503,
      body: { error: "Banco de dados indisponível", code: "DATABASE_UNAVAILABLE" },
    });
  });
});
