import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { OFREPProvider } from "@openfeature/ofrep-provider";
import { type Client, OpenFeature } from "@openfeature/server-sdk";
import {
  type DataServices,
  startDataServices,
  startEvaluation,
} from "../../test/support/evaluation.ts";
import { backendsFor } from "../../test/support/testing.ts";

let stack: DataServices;
let service: ReturnType<typeof startEvaluation>;
let client: Client;

const backends = await backendsFor("ofrep.test.ts: it runs auth, flag and targeting");

describe.skipIf(!backends)("OFREP (PostgreSQL and Redis)", () => {
  beforeAll(async () => {
    stack = await startDataServices();
    service = startEvaluation(stack.evaluationEnv());
    await Promise.all([
      stack.createFlag("enable-new-dashboard"),
      stack.createFlag("dark-mode"),
      stack.createFlag("legacy-checkout", false),
      stack.createFlag("beta-list"),
    ]);
    await Promise.all([
      stack.createRule("enable-new-dashboard", { type: "PERCENTAGE", value: 50 }),
      stack.createRule("beta-list", { type: "USER_LIST", values: ["ana"] }),
    ]);
    await OpenFeature.setProviderAndWait(
      new OFREPProvider({
        baseUrl: service.url,
        headers: [["Authorization", `Bearer ${stack.key}`]],
      }),
    );
    client = OpenFeature.getClient();
  });

  afterAll(async () => {
    await OpenFeature.close();
    await service.stop();
    await stack.stop();
  });

  const post = (
    path: string,
    body: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${stack.key}` },
  ) =>
    fetch(`${service.url}/ofrep/v1/evaluate/flags${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  describe("through the OpenFeature SDK and its OFREP provider", () => {
    test.each([
      ["enable-new-dashboard", "user-123", true, "SPLIT", "on"],
      ["enable-new-dashboard", "user-abc", false, "SPLIT", "off"],
      ["dark-mode", "anyone", true, "STATIC", "on"],
      ["legacy-checkout", "anyone", false, "DISABLED", "off"],
      ["beta-list", "ana", true, "TARGETING_MATCH", "on"],
      ["beta-list", "bia", false, "DEFAULT", "off"],
    ])("%s for %s is %p (%s)", async (flag, targetingKey, value, reason, variant) => {
      const details = await client.getBooleanDetails(flag, !value, { targetingKey });
      expect(details).toMatchObject({ flagKey: flag, value, reason, variant });
      expect(details.errorCode).toBeUndefined();
      expect(await client.getBooleanValue(flag, !value, { targetingKey })).toBe(value);
    });

    test("an unknown flag gives the default with FLAG_NOT_FOUND", async () => {
      const details = await client.getBooleanDetails("no-such-flag", true, { targetingKey: "u" });
      expect(details).toMatchObject({ value: true, reason: "ERROR", errorCode: "FLAG_NOT_FOUND" });
    });

    test("a targeted flag without a targeting key gives TARGETING_KEY_MISSING", async () => {
      const details = await client.getBooleanDetails("enable-new-dashboard", true, {});
      expect(details).toMatchObject({
        value: true,
        reason: "ERROR",
        errorCode: "TARGETING_KEY_MISSING",
      });
    });

    test("a static flag needs no targeting key", async () => {
      expect(await client.getBooleanValue("dark-mode", false, {})).toBe(true);
    });
  });

  describe("single evaluation on the wire", () => {
    test("200 {key, value, reason, variant, metadata}", async () => {
      const response = await post("/beta-list", { context: { targetingKey: "ana" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(await response.json()).toEqual({
        key: "beta-list",
        value: true,
        reason: "TARGETING_MATCH",
        variant: "on",
        metadata: {},
      });
    });

    test.each([
      ["invalid JSON", "{", "PARSE_ERROR"],
      ["a body that is not an object", "[1]", "PARSE_ERROR"],
      ["a context that is not an object", { context: "ana" }, "INVALID_CONTEXT"],
      ["a numeric targeting key", { context: { targetingKey: 7 } }, "INVALID_CONTEXT"],
      [
        "a targeting key over 256 characters",
        { context: { targetingKey: "u".repeat(257) } },
        "INVALID_CONTEXT",
      ],
      ["no targeting key for a targeted flag", { context: {} }, "TARGETING_KEY_MISSING"],
    ])("400 for %s", async (_, body, errorCode) => {
      const response = await post("/beta-list", body);
      expect(response.status).toBe(400);
      const answer = await response.json();
      expect(answer).toMatchObject({ key: "beta-list", errorCode });
      expect(typeof answer.errorDetails).toBe("string");
    });

    test("404 FLAG_NOT_FOUND", async () => {
      const response = await post("/nothing-here", { context: { targetingKey: "u" } });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({
        key: "nothing-here",
        errorCode: "FLAG_NOT_FOUND",
      });
    });
  });

  describe("authentication", () => {
    test.each([
      ["X-API-Key", () => ({ "x-api-key": stack.key })],
      ["a bare Authorization key, as v1 clients send it", () => ({ authorization: stack.key })],
    ])("%s is accepted", async (_, headers) => {
      const response = await post("/beta-list", { context: { targetingKey: "ana" } }, headers());
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ key: "beta-list", value: true, variant: "on" });
    });

    test("a JWT from auth is accepted", async () => {
      const token = await stack.auth.token(stack.key);
      const response = await post(
        "/beta-list",
        { context: { targetingKey: "bia" } },
        { authorization: `Bearer ${token}` },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        key: "beta-list",
        value: false,
        reason: "DEFAULT",
      });
    });

    test.each([
      ["no credential", {}],
      ["an unknown key", { authorization: `Bearer tm_key_${"0".repeat(64)}` }],
    ])("401 with %s, on single and bulk", async (_, headers) => {
      expect((await post("/dark-mode", { context: { targetingKey: "u" } }, headers)).status).toBe(
        401,
      );
      expect((await post("", { context: { targetingKey: "u" } }, headers)).status).toBe(401);
    });

    test("/evaluate stays open, as in v1", async () => {
      const response = await fetch(`${service.url}/evaluate?user_id=u&flag_name=dark-mode`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ flag_name: "dark-mode", user_id: "u", result: true });
    });
  });

  describe("bulk evaluation", () => {
    test("every flag, with an ETag; If-None-Match answers 304 until something changes", async () => {
      const first = await post("", { context: { targetingKey: "ana" } });
      expect(first.status).toBe(200);
      const etag = first.headers.get("etag");
      expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
      const { flags } = await first.json();
      const byKey = Object.fromEntries(flags.map((flag: { key: string }) => [flag.key, flag]));
      expect(Object.keys(byKey).sort()).toEqual([
        "beta-list",
        "dark-mode",
        "enable-new-dashboard",
        "legacy-checkout",
      ]);
      expect(byKey["beta-list"]).toMatchObject({
        value: true,
        reason: "TARGETING_MATCH",
        variant: "on",
      });
      expect(byKey["legacy-checkout"]).toMatchObject({
        value: false,
        reason: "DISABLED",
        variant: "off",
      });

      const unchanged = await post(
        "",
        { context: { targetingKey: "ana" } },
        {
          authorization: `Bearer ${stack.key}`,
          "if-none-match": etag as string,
        },
      );
      expect(unchanged.status).toBe(304);
      expect(await unchanged.text()).toBe("");

      const otherUser = await post(
        "",
        { context: { targetingKey: "bia" } },
        {
          authorization: `Bearer ${stack.key}`,
          "if-none-match": etag as string,
        },
      );
      expect(otherUser.status).toBe(200);

      await stack.createFlag("new-in-bulk");
      await Bun.sleep(1_100);
      const changed = await post(
        "",
        { context: { targetingKey: "ana" } },
        {
          authorization: `Bearer ${stack.key}`,
          "if-none-match": etag as string,
        },
      );
      expect(changed.status).toBe(200);
      expect((await changed.json()).flags.map((flag: { key: string }) => flag.key)).toContain(
        "new-in-bulk",
      );
    });

    test("without a targeting key, targeted flags report TARGETING_KEY_MISSING", async () => {
      const { flags } = await (await post("", {})).json();
      const byKey = Object.fromEntries(flags.map((flag: { key: string }) => [flag.key, flag]));
      expect(byKey["dark-mode"]).toMatchObject({ value: true, reason: "STATIC" });
      expect(byKey["beta-list"]).toMatchObject({ errorCode: "TARGETING_KEY_MISSING" });
    });

    test("400 with {errorCode, errorDetails} for an invalid context", async () => {
      const response = await post("", { context: { targetingKey: ["x"] } });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ errorCode: "INVALID_CONTEXT" });
    });
  });

  describe("bodies the edge refuses", () => {
    test.each([
      ["a flag key that is valid percent-encoding", "/caf%C3%A9", "café"],
      ["one that is not", "/%zz", "%zz"],
    ])("413 in OFREP's shape for %s", async (_, path, key) => {
      const response = await post(path, "x".repeat(70_000));
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ key, errorCode: "PARSE_ERROR" });
    });
  });
});
