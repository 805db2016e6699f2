import { describe, expect, test } from "bun:test";
import { TABLES } from "@togglemaster/shared/topology";
import { readConfig } from "./config.ts";
import { keepsItem, sampleFraction } from "./items.ts";

const required = {
  AUTH_SERVICE_URL: "http://auth:8001",
  JWT_SECRET: "x".repeat(32),
  AWS_SQS_URL: "http://sqs.local/000000000000/toggle-analytics-queue",
};

describe("configuration", () => {
  test("defaults: every event an item, the topology's tables", () => {
    const config = readConfig(required);
    expect(config.ANALYTICS_EVENT_ITEMS).toBe("all");
    expect(config.ANALYTICS_EVENT_SAMPLE_RATE).toBe(0.01);
    expect(config.ANALYTICS_EVENT_ITEMS_BY_FLAG).toEqual(new Map());
    expect(config.AWS_DYNAMODB_COUNTERS_TABLE).toBe(TABLES.counters.name);
    expect(config.PORT).toBe(8005);
  });

  test("reads the item mode, the sample rate and the per-flag exceptions", () => {
    const config = readConfig({
      ...required,
      ANALYTICS_EVENT_ITEMS: "sample",
      ANALYTICS_EVENT_SAMPLE_RATE: "0.25",
      ANALYTICS_EVENT_ITEMS_BY_FLAG: "checkout=all, search = none",
    });
    expect(config.ANALYTICS_EVENT_ITEMS).toBe("sample");
    expect(config.ANALYTICS_EVENT_SAMPLE_RATE).toBe(0.25);
    expect(config.ANALYTICS_EVENT_ITEMS_BY_FLAG).toEqual(
      new Map([
        ["checkout", "all"],
        ["search", "none"],
      ]),
    );
  });

  test.each([
    ["ANALYTICS_EVENT_ITEMS", "some"],
    ["ANALYTICS_EVENT_SAMPLE_RATE", "1.5"],
    ["ANALYTICS_EVENT_ITEMS_BY_FLAG", "checkout"],
    ["ANALYTICS_EVENT_ITEMS_BY_FLAG", "checkout=sometimes"],
    ["ANALYTICS_EVENT_ITEMS_BY_FLAG", "not a flag=all"],
    ["ANALYTICS_EVENT_ITEMS_BY_FLAG", "checkout=all=none"],
  ])("refuses %s=%s, naming it", (name, value) => {
    expect(() => readConfig({ ...required, [name]: value })).toThrow(name);
  });
});

describe("sampling", () => {
  test("keeps the share of events the rate asks for, the same ones every time", () => {
    const ids = Array.from({ length: 20_000 }, (_, index) => `p1:${1 + (index >> 10)}:${index}`);
    const policy = { mode: "sample" as const, sampleRate: 0.01, byFlag: new Map() };
    const kept = ids.filter((eventId) => keepsItem(policy, { eventId, flagName: "checkout" }));
    // 1 % of 20,000 is 200; a hash that spreads badly lands far from it.
    expect(kept.length).toBeGreaterThan(160);
    expect(kept.length).toBeLessThan(240);
    expect(ids.filter((eventId) => keepsItem(policy, { eventId, flagName: "checkout" }))).toEqual(
      kept,
    );
  });

  test("a fraction in [0, 1) per id; rate 1 keeps everything and rate 0 nothing", () => {
    for (const eventId of ["a", "p1:1:0", "ção 🎉"]) {
      expect(sampleFraction(eventId)).toBeGreaterThanOrEqual(0);
      expect(sampleFraction(eventId)).toBeLessThan(1);
    }
    const event = { eventId: "p1:1:0", flagName: "checkout" };
    expect(keepsItem({ mode: "sample", sampleRate: 1, byFlag: new Map() }, event)).toBe(true);
    expect(keepsItem({ mode: "sample", sampleRate: 0, byFlag: new Map() }, event)).toBe(false);
  });

  test("a flag's exception wins over the mode", () => {
    const policy = {
      mode: "none" as const,
      sampleRate: 0,
      byFlag: new Map([["checkout", "all" as const]]),
    };
    expect(keepsItem(policy, { eventId: "e", flagName: "checkout" })).toBe(true);
    expect(keepsItem(policy, { eventId: "e", flagName: "search" })).toBe(false);
  });
});
