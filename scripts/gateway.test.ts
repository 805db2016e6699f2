import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { publicRoutes, SERVICE_NAMES, type ServiceName } from "../services/shared/topology.ts";
import { type Gateway, serviceFor, startGateway } from "./gateway.ts";

describe("serviceFor", () => {
  test("every public prefix of the topology goes to its service, with or without a subpath", () => {
    for (const { prefix, service } of publicRoutes()) {
      expect(serviceFor(prefix)).toBe(service);
      expect(serviceFor(`${prefix === "/" ? "" : prefix}/x/y`)).toBe(service);
    }
  });

  test("a prefix matches whole path segments only, as an Ingress Prefix path", () => {
    expect(serviceFor("/rules/new-dashboard")).toBe("targeting");
    expect(serviceFor("/rulesx")).toBe("flag");
    expect(serviceFor("/admin/keys/3")).toBe("auth");
    expect(serviceFor("/administrator")).toBe("flag");
    expect(serviceFor("/ofrep/v1/evaluate/flags/x")).toBe("evaluation");
  });

  test("the console and its hashed assets go to flag-service", () => {
    expect(serviceFor("/")).toBe("flag");
    expect(serviceFor("/index-8f3a2c.js")).toBe("flag");
  });
});

/** An upstream that echoes what reached it, so a test can see what the gateway forwarded. */
function echoUpstream(service: ServiceName) {
  return Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/slow") await Bun.sleep(2_000);
      const status = Number(url.searchParams.get("status") ?? 200);
      return Response.json(
        {
          service,
          method: request.method,
          path: url.pathname + url.search,
          headers: Object.fromEntries(request.headers),
          body: await request.text(),
        },
        { status, headers: { "x-upstream": service } },
      );
    },
  });
}

describe("startGateway", () => {
  const upstreams = SERVICE_NAMES.map(echoUpstream);
  let gateway: Gateway;

  beforeAll(() => {
    const urls = Object.fromEntries(
      SERVICE_NAMES.map((name, index) => [name, upstreams[index]?.url.origin]),
    ) as Record<ServiceName, string>;
    // The evaluation upstream is a closed port: the gateway must answer 502, not hang.
    urls.evaluation = "http://127.0.0.1:1";
    gateway = startGateway({ upstreams: urls, timeoutMs: 500 });
  });

  afterAll(async () => {
    await gateway.stop();
    await Promise.all(upstreams.map((upstream) => upstream.stop(true)));
  });

  test("passes method, path, query, headers and body to the right service", async () => {
    const response = await fetch(`${gateway.url}/rules/new-dashboard?x=1`, {
      method: "PUT",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: '{"is_enabled":false}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-upstream")).toBe("targeting");
    const seen = await response.json();
    expect(seen).toMatchObject({
      service: "targeting",
      method: "PUT",
      path: "/rules/new-dashboard?x=1",
      body: '{"is_enabled":false}',
    });
    expect(seen.headers.authorization).toBe("Bearer k");
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  test("passes the upstream's status through", async () => {
    const response = await fetch(`${gateway.url}/admin/keys?status=403`);
    expect(response.status).toBe(403);
    expect((await response.json()).service).toBe("auth");
  });

  test("a slow upstream is cut at the timeout with a 504", async () => {
    const response = await fetch(`${gateway.url}/slow`);
    expect(response.status).toBe(504);
    expect((await response.json()).code).toBe("UPSTREAM_TIMEOUT");
  });

  test("an unreachable upstream is a 502", async () => {
    const response = await fetch(`${gateway.url}/evaluate?user_id=u&flag_name=f`);
    expect(response.status).toBe(502);
    expect((await response.json()).code).toBe("UPSTREAM_UNAVAILABLE");
  });
});
