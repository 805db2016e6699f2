import { Elysia } from "elysia";
import { openapi } from "@elysiajs/openapi";
const variants: Record<string, () => any> = {
  bare: () => new Elysia(),
  openapi: () => new Elysia().use(openapi({ path: "/openapi/ui", specPath: "/openapi", provider: null })),
  onRequestHeaders: () => new Elysia().onRequest(({ request, set }) => {
    Object.assign(set.headers, { "x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer", "content-security-policy": "default-src 'none'; frame-ancestors 'none'", "cross-origin-resource-policy": "same-origin" }, { "x-request-id": "abc" });
  }),
  uuid: () => new Elysia().onRequest(({ request }) => { const id = request.headers.get("x-request-id") ?? crypto.randomUUID(); }),
  afterResponse: () => new Elysia().onAfterResponse({ as: "global" }, ({ request, route, set, path }) => { const x = { route, m: request.method, status: set.status, path }; }),
  derive: () => new Elysia().derive({ as: "global" }, ({ request }) => ({ requestId: "x" })),
  onParse: () => new Elysia().onParse({ as: "global" }, async ({ request }) => null),
  onError: () => new Elysia().onError({ as: "global" }, ({ code }) => { return { e: 1 }; }),
};
for (const [name, make] of Object.entries(variants)) {
  const app = make().get("/evaluate", ({ query }: any) => {
    const u = query.user_id, f = query.flag_name;
    return { flag_name: f, user_id: u, result: true };
  });
  const req = () => new Request("http://x/evaluate?user_id=u1&flag_name=f1");
  for (let i = 0; i < 20000; i++) await (await app.handle(req())).text();
  const N = 100000; const t = performance.now();
  for (let i = 0; i < N; i++) await (await app.handle(req())).text();
  console.log(name, ((performance.now() - t) / N * 1000).toFixed(2), "µs/req");
}
