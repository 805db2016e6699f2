import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Registry } from "@togglemaster/shared/metrics";
import { startAuthService } from "../../test/support/auth.ts";
import { type DataServices, startDataServices } from "../../test/support/evaluation.ts";
import { backendsFor } from "../../test/support/testing.ts";
import { createTokenSource, createUpstream, UpstreamError } from "./upstream.ts";

let stack: DataServices;

const backends = await backendsFor("upstream.test.ts: it runs auth, flag and targeting");

describe.skipIf(!backends)("upstream lookups (PostgreSQL and Redis)", () => {
  beforeAll(async () => {
    stack = await startDataServices();
    await stack.createFlag("upstream-flag");
    await stack.createRule("upstream-flag", { type: "USER_LIST", values: ["ana"] });
  });

  afterAll(async () => {
    await stack.stop();
  });

  /** The real fetch, with a record of the URLs it was asked for. */
  function recordingFetch() {
    const urls: string[] = [];
    const requestIds: (string | null)[] = [];
    const send = Object.assign(
      (input: RequestInfo | URL, init?: RequestInit) => {
        urls.push(String(input));
        requestIds.push(new Headers(init?.headers).get("x-request-id"));
        return fetch(input, init);
      },
      { preconnect: fetch.preconnect },
    );
    return { urls, requestIds, send };
  }

  describe("service token", () => {
    test("obtained once, renewed in the background after 80 % of its life", async () => {
      const { urls, send } = recordingFetch();
      let clock = 1_000_000;
      const tokens = createTokenSource({
        authUrl: stack.auth.url,
        apiKey: stack.key,
        fetch: send,
        now: () => clock,
      });
      const tokenCalls = () => urls.filter((url) => url.endsWith("/token")).length;
      const [first, second] = await Promise.all([tokens.token(), tokens.token()]);
      expect(first).toBe(second as string);
      expect(tokenCalls()).toBe(1);
      clock += 0.79 * 900_000;
      await tokens.token();
      expect(tokenCalls()).toBe(1);
      clock += 0.02 * 900_000;
      expect(await tokens.token()).toBe(first);
      expect(tokenCalls()).toBe(2);
    });

    test("an invalid service key is an auth failure", async () => {
      const tokens = createTokenSource({
        authUrl: stack.auth.url,
        apiKey: `tm_key_${"f".repeat(64)}`,
      });
      const error = await tokens.token().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).service).toBe("auth");
    });
  });

  describe("flag and rule lookups", () => {
    test("fetched in parallel with the token and the request id", async () => {
      const { urls, requestIds, send } = recordingFetch();
      const metrics = new Registry();
      const upstream = createUpstream({
        flagUrl: stack.flag.url,
        targetingUrl: stack.targeting.url,
        tokens: createTokenSource({ authUrl: stack.auth.url, apiKey: stack.key }),
        metrics,
        fetch: send,
      });
      const snapshot = await upstream.snapshot("upstream-flag", "req-42");
      expect(snapshot.flag).toMatchObject({ name: "upstream-flag", is_enabled: true });
      expect(snapshot.rule).toMatchObject({
        is_enabled: true,
        rules: { type: "USER_LIST", values: ["ana"] },
      });
      expect(snapshot.flagSetMetadata).toEqual({});
      expect(urls.sort()).toEqual(
        [
          `${stack.flag.url}/flags/upstream-flag`,
          `${stack.flag.url}/flagd/metadata`,
          `${stack.targeting.url}/rules/upstream-flag`,
        ].sort(),
      );
      expect(requestIds).toEqual(["req-42", "req-42", "req-42"]);
      expect(await upstream.snapshot("missing-flag")).toEqual({ flag: null, rule: null });
      expect(await upstream.flagNames()).toContain("upstream-flag");
    });

    test("loads that overlap share one read of the flag set's metadata", async () => {
      const { urls, send } = recordingFetch();
      const upstream = createUpstream({
        flagUrl: stack.flag.url,
        targetingUrl: stack.targeting.url,
        tokens: createTokenSource({ authUrl: stack.auth.url, apiKey: stack.key }),
        metrics: new Registry(),
        fetch: send,
      });
      const flags = Array.from({ length: 20 }, (_, index) => `burst-${index}`);
      const snapshots = await Promise.all(flags.map((flag) => upstream.snapshot(flag)));
      expect(snapshots.every((snapshot) => snapshot.flag === null)).toBe(true);
      const reads = (suffix: string) => urls.filter((url) => url.endsWith(suffix)).length;
      expect(reads("/flagd/metadata")).toBe(1);
      expect(urls.filter((url) => url.includes("/flags/burst-"))).toHaveLength(20);
      await upstream.snapshot("burst-0");
      expect(reads("/flagd/metadata")).toBe(2);
    });

    test("a rejected token is renewed and the call retried once", async () => {
      // This auth signs with another secret than flag and targeting verify: every token is refused.
      const foreignAuth = await startAuthService({
        jwtSecret: "another-secret-another-secret-0123",
      });
      const { key } = await foreignAuth.createKey("foreign");
      const { urls, send } = recordingFetch();
      const metrics = new Registry();
      const upstream = createUpstream({
        flagUrl: stack.flag.url,
        targetingUrl: stack.targeting.url,
        tokens: createTokenSource({ authUrl: foreignAuth.url, apiKey: key, fetch: send }),
        metrics,
        fetch: send,
      });
      const error = await upstream.snapshot("upstream-flag").catch((caught: unknown) => caught);
      await foreignAuth.stop();
      expect(error).toBeInstanceOf(UpstreamError);
      expect(urls.filter((url) => url.endsWith("/flags/upstream-flag"))).toHaveLength(2);
      expect(urls.filter((url) => url.endsWith("/token")).length).toBeGreaterThanOrEqual(2);
      // Two calls to flag-service failed: the flag and the flag set's metadata.
      expect(metrics.render()).toContain('evaluation_upstream_errors_total{service="flag"} 2');
    });

    test("a timeout or an unreachable service is an UpstreamError", async () => {
      const silent = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch: () => new Promise<Response>(() => {}),
      });
      const upstream = createUpstream({
        flagUrl: `http://127.0.0.1:${silent.port}`,
        targetingUrl: "http://127.0.0.1:1",
        tokens: createTokenSource({ authUrl: stack.auth.url, apiKey: stack.key }),
        metrics: new Registry(),
        timeoutMs: 200,
      });
      const error = await upstream.snapshot("upstream-flag").catch((caught: unknown) => caught);
      await silent.stop(true);
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as Error).message).toContain("no answer within 200 ms");
    });
  });
});
