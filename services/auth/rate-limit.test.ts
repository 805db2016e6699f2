import { expect, test } from "bun:test";
import { createRateLimiter } from "./rate-limit.ts";

test("allows the limit per minute per client, then says how long to wait", () => {
  let now = 0;
  const limiter = createRateLimiter(3, { now: () => now });
  expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([0, 0, 0]);
  expect(limiter.take("a")).toBe(20);
  expect(limiter.take("b")).toBe(0);
  now += 20_000;
  expect(limiter.take("a")).toBe(0);
  expect(limiter.take("a")).toBeGreaterThan(0);
});

test("forgets the oldest clients beyond its bound", () => {
  const limiter = createRateLimiter(1, { now: () => 0, maxClients: 2 });
  limiter.take("a");
  limiter.take("b");
  limiter.take("c");
  expect(limiter.take("a")).toBe(0);
  expect(limiter.take("c")).toBeGreaterThan(0);
});
