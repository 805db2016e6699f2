/**
 * The flag cache's states, driven by a fake clock against a fake upstream that answers when
 * the test says so: no network, no Redis (the shared tier is covered by app.test.ts).
 */
import { describe, expect, test } from "bun:test";
import { Freshness } from "@togglemaster/shared/freshness";
import { Registry } from "@togglemaster/shared/metrics";
import { FakeClock, settle } from "../../test/support/clock.ts";
import { memoryLogger } from "../../test/support/testing.ts";
import { FlagCache, FlagListCache } from "./cache.ts";
import type { FlagSnapshot } from "./decide.ts";

const on: FlagSnapshot = { flag: { is_enabled: true }, rule: null };
const off: FlagSnapshot = { flag: { is_enabled: false }, rule: null };
const missing: FlagSnapshot = { flag: null, rule: null };

/** An upstream whose answers the test scripts, counting the fetches it gets. */
function upstream(initial: FlagSnapshot = on) {
  let answer: FlagSnapshot | Error = initial;
  const pending: (() => void)[] = [];
  let held = false;
  const fetches: string[] = [];
  return {
    fetches,
    answer: (next: FlagSnapshot | Error) => {
      answer = next;
    },
    /** Fetches wait until `release`. */
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const resume of pending.splice(0)) resume();
    },
    fetchSnapshot: async (flagName: string) => {
      fetches.push(flagName);
      if (held) await new Promise<void>((resume) => pending.push(resume));
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

function setup(options: { noticesActive?: boolean; initial?: FlagSnapshot } = {}) {
  const clock = new FakeClock();
  const source = upstream(options.initial);
  const freshness = new Freshness(30_000, 1_000, clock.now);
  if (options.noticesActive) freshness.setNoticesActive(true);
  const cache = new FlagCache({
    fetchSnapshot: source.fetchSnapshot,
    logger: memoryLogger("evaluation"),
    metrics: new Registry(),
    freshness,
    clock,
    maxEntries: 3,
  });
  const value = (flag = "f") => cache.peek(flag)?.evaluate({ targetingKey: "u" }).value;
  return { clock, source, cache, freshness, value };
}

describe("loading", () => {
  test("a cold flag is fetched once however many requests wait for it", async () => {
    const { source, cache } = setup();
    source.hold();
    const loads = Array.from({ length: 50 }, () => cache.load("f"));
    source.release();
    const flags = await Promise.all(loads);
    expect(source.fetches).toEqual(["f"]);
    expect(flags.every((flag) => flag.evaluate({}).value === true)).toBe(true);
  });

  test("a warm flag is answered from memory without a fetch", async () => {
    const { source, cache, value } = setup();
    await cache.load("f");
    for (let index = 0; index < 100; index++) expect(value()).toBe(true);
    expect(source.fetches).toHaveLength(1);
  });
});

describe("freshness", () => {
  test("without change notices an entry lives 1 s, refreshed in the background past half", async () => {
    const { clock, source, cache, value } = setup();
    await cache.load("f");
    source.answer(off);
    await clock.advance(400);
    expect(value()).toBe(true);
    expect(source.fetches).toHaveLength(1);
    await clock.advance(200); // 600 ms: past half its life, peek answers and refreshes aside
    expect(value()).toBe(true);
    await settle();
    expect(source.fetches).toHaveLength(2);
    expect(value()).toBe(false);
  });

  test("an entry nobody reads expires after 1 s without notices", async () => {
    const { clock, cache } = setup();
    await cache.load("f");
    await clock.advance(499); // before half its life: a read does not refresh it
    expect(cache.peek("f")).toBeDefined();
    await clock.advance(501);
    expect(cache.peek("f")).toBeUndefined();
  });

  test("while notices arrive an entry lives 30 s, but only if it was read after they began", async () => {
    const { clock, cache, freshness } = setup();
    await cache.load("before");
    await clock.advance(1);
    freshness.setNoticesActive(true);
    await clock.advance(1);
    await cache.load("after");
    await clock.advance(14_000);
    expect(cache.peek("before")).toBeUndefined();
    expect(cache.peek("after")).toBeDefined();
    freshness.setNoticesActive(false);
    expect(cache.peek("after")).toBeUndefined();
  });

  test("'no such flag' lives at most 5 s even while notices arrive", async () => {
    const { clock, cache } = setup({ noticesActive: true, initial: missing });
    await cache.load("gone");
    await clock.advance(2_499);
    expect(cache.peek("gone")?.found).toBe(false);
    await clock.advance(2_501);
    expect(cache.peek("gone")).toBeUndefined();
  });

  test("an invalidated flag is reloaded at once, and a load it overtook is not kept", async () => {
    const { source, cache, value } = setup({ noticesActive: true });
    await cache.load("f");
    source.hold();
    source.answer(off);
    cache.invalidate("f");
    expect(cache.peek("f")).toBeUndefined();
    source.release();
    await settle();
    expect(value()).toBe(false);
    expect(source.fetches).toHaveLength(2);
  });
});

describe("when flag or targeting fail", () => {
  test("the last known value is served for a day, retried every second, then the error", async () => {
    const { clock, source, cache, value } = setup();
    await cache.load("f");
    source.answer(new Error("flag-service unreachable"));
    await clock.advance(1_000);
    await expect(cache.load("f")).resolves.toBeDefined();
    const fetches = source.fetches.length;
    expect(value()).toBe(true);
    await clock.advance(500);
    expect(value()).toBe(true);
    await settle();
    expect(source.fetches).toHaveLength(fetches);
    await clock.advance(600);
    expect(value()).toBe(true);
    await settle();
    expect(source.fetches).toHaveLength(fetches + 1);
    await clock.advance(24 * 60 * 60 * 1000);
    expect(cache.peek("f")).toBeUndefined();
    await expect(cache.load("f")).rejects.toThrow("flag-service unreachable");
  });

  test("a flag never read cannot be made up: the error reaches the caller", async () => {
    const { source, cache } = setup();
    source.answer(new Error("targeting unreachable"));
    await expect(cache.load("f")).rejects.toThrow("targeting unreachable");
  });
});

test("the least recently used flag leaves first", async () => {
  const { clock, cache } = setup({ noticesActive: true });
  for (const flag of ["a", "b", "c"]) await cache.load(flag);
  await clock.advance(1_001);
  cache.peek("a"); // read after a second: moves to the back
  await cache.load("d");
  expect(cache.size).toBe(3);
  expect(cache.peek("b")).toBeUndefined();
  expect(cache.peek("a")).toBeDefined();
});

test("the flag list is kept a second, and its last value stands in when flag-service fails", async () => {
  const clock = new FakeClock();
  let names: string[] | Error = ["a"];
  let calls = 0;
  const list = new FlagListCache({
    clock,
    list: async () => {
      calls++;
      if (names instanceof Error) throw names;
      return names;
    },
  });
  expect(await list.names()).toEqual(["a"]);
  names = ["a", "b"];
  expect(await list.names()).toEqual(["a"]);
  await clock.advance(1_000);
  expect(await list.names()).toEqual(["a", "b"]);
  list.invalidate();
  names = new Error("down");
  expect(await list.names()).toEqual(["a", "b"]);
  expect(calls).toBe(3);
});
