import { expect, test } from "bun:test";
import { Elysia } from "elysia";
import { memoryLogger } from "../../test/support/testing.ts";
import { platform } from "./http.ts";
import { Registry } from "./metrics.ts";

test("probes are not work; the first request to another route is, and is signalled once", async () => {
  let signals = 0;
  const app = new Elysia()
    .use(
      platform({
        service: "test",
        logger: memoryLogger("test"),
        metrics: new Registry(),
        onWork: () => signals++,
      }),
    )
    .get("/things", () => ({ things: [] }));
  const get = async (path: string) => (await app.handle(new Request(`http://local${path}`))).status;

  expect(await get("/health")).toBe(200);
  expect(await get("/health/ready")).toBe(200);
  expect(await get("/metrics")).toBe(200);
  expect(await get("/openapi")).toBe(200);
  expect(await get("/no-such-route")).toBe(404);
  expect(signals).toBe(0);

  expect(await get("/things")).toBe(200);
  expect(signals).toBe(1);
  expect(await get("/things")).toBe(200);
  expect(signals).toBe(1);
});
