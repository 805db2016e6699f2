import { describe, expect, test } from "bun:test";
import { createTestDatabase, memoryLogger } from "../../test/support/testing.ts";
import { createPool, isDatabaseUnavailable, migrate } from "./db.ts";
import { scrub } from "./logger.ts";
import { Registry } from "./metrics.ts";

describe("scrub", () => {
  test("masks keys, bearer tokens, JWTs and URL passwords", () => {
    const key = `tm_key_${"ab".repeat(32)}`;
    const text = scrub(
      `key ${key} auth "Bearer secret-token" jwt eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl url postgres://app:hunter2@db/x`,
    );
    for (const secret of [key, "secret-token", "c2lnbmF0dXJl", "hunter2"])
      expect(text).not.toContain(secret);
    expect(text).toContain("postgres://app:[redacted]@db/x");
  });

  test("the logger writes one scrubbed JSON object per line", () => {
    const logger = memoryLogger("svc", { level: "info" });
    logger.info("hello", { header: "Bearer abc" });
    logger.debug("hidden");
    logger.flush();
    const lines = logger.records();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      service: "svc",
      message: "hello",
      header: "Bearer [redacted]",
    });
  });
});

describe("access log", () => {
  const access = (route: string, status: number, durationMs: number, requestId = "req-1") => ({
    requestId,
    method: "GET",
    url: `http://127.0.0.1:8004${route}?user_id=u1`,
    route,
    status,
    durationMs,
  });

  test("a hot route's successes are one summary line; its failures and other routes a line each", () => {
    const logger = memoryLogger("svc", {});
    for (const durationMs of [0.003, 0.005, 0.004])
      logger.request(access("/hot", 200, durationMs), true);
    logger.request(access("/hot", 404, 0.0021, "req-missing"), true);
    logger.request(access("/cold", 200, 1.23456), false);
    logger.flush();
    const lines = logger.records();
    expect(lines.filter((line) => line.message === "request")).toMatchObject([
      { route: "/hot", path: "/hot", status: 404, duration_ms: 0.002, request_id: "req-missing" },
      { route: "/cold", path: "/cold", status: 200, duration_ms: 1.235 },
    ]);
    // Microseconds survive: a route that answers in a few of them does not read as 0 ms.
    expect(lines.filter((line) => line.message === "requests summary")).toMatchObject([
      { route: "/hot", requests: 3, statuses: { "200": 3 }, mean_ms: 0.004, max_ms: 0.005 },
    ]);
  });

  test("requests: all logs every request and summarises none", () => {
    const logger = memoryLogger("svc", { requests: "all" });
    for (const requestId of ["a", "b", "c"])
      logger.request(access("/hot", 200, 0.01, requestId), true);
    logger.flush();
    const lines = logger.records();
    expect(lines.map((line) => [line.message, line.request_id])).toEqual([
      ["request", "a"],
      ["request", "b"],
      ["request", "c"],
    ]);
  });
});

describe("metrics", () => {
  test("renders counters, gauges and cumulative histograms in Prometheus text", () => {
    const registry = new Registry();
    registry.counter("requests_total", "Requests").inc({ route: "/a", status: 200 }, 2);
    registry.gauge("buffer", "Buffered").track(() => 7);
    const histogram = registry.histogram("latency_seconds", "Latency", [0.1, 1]);
    histogram.observe({ route: "/a" }, 0.05);
    histogram.observe({ route: "/a" }, 0.5);
    histogram.observe({ route: "/a" }, 5);
    const text = registry.render();
    expect(text).toContain('requests_total{route="/a",status="200"} 2');
    expect(text).toContain("buffer 7");
    expect(text).toContain('latency_seconds_bucket{route="/a",le="0.1"} 1');
    expect(text).toContain('latency_seconds_bucket{route="/a",le="1"} 2');
    expect(text).toContain('latency_seconds_bucket{route="/a",le="+Inf"} 3');
    expect(text).toContain('latency_seconds_count{route="/a"} 3');
  });
});

describe("database", () => {
  test("classifies outages apart from query errors", async () => {
    const pool = createPool("postgres://postgres@127.0.0.1:1/none");
    const outage = await pool.query("SELECT 1").catch((error) => error);
    expect(isDatabaseUnavailable(outage)).toBe(true);
    await pool.end();
    expect(isDatabaseUnavailable(Object.assign(new Error("syntax"), { code: "42601" }))).toBe(
      false,
    );
    expect(
      isDatabaseUnavailable(Object.assign(new Error("admin shutdown"), { code: "57P01" })),
    ).toBe(true);
  });

  test("replicas migrating at once apply each migration exactly once", async () => {
    const database = await createTestDatabase("migrate");
    const pools = [createPool(database.url), createPool(database.url), createPool(database.url)];
    const migrations = [
      { version: 1, name: "first", sql: "CREATE TABLE things (id int)" },
      { version: 2, name: "second", sql: "ALTER TABLE things ADD COLUMN name text" },
    ];
    const applied = await Promise.all(pools.map((pool) => migrate(pool, "test", migrations)));
    expect(applied.flat().sort()).toEqual([1, 2]);
    expect(await migrate(pools[0]!, "test", migrations)).toEqual([]);
    const { rows } = await pools[0]!.query(
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    expect(rows.map((row) => row.version)).toEqual([1, 2]);
    await Promise.all(pools.map((pool) => pool.end()));
    await database.drop();
  });

  test("a failing migration leaves nothing half-applied", async () => {
    const database = await createTestDatabase("migrate");
    const pool = createPool(database.url);
    const broken = [
      { version: 1, name: "broken", sql: "CREATE TABLE a (id int); CREATE TABLE a (id int)" },
    ];
    await expect(migrate(pool, "test", broken)).rejects.toThrow();
    const { rows } = await pool.query("SELECT to_regclass('a') AS table_name");
    expect(rows[0].table_name).toBeNull();
    await pool.end();
    await database.drop();
  });
});
