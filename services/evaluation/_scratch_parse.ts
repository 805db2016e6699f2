import { Elysia } from "elysia";
import { platform, Registry, createLogger, requestIdOf } from "@togglemaster/shared";
const logger = createLogger({ service: "x", write: () => {} });
const ofrep = new Elysia()
  .post("/a/:key", ({ body, params }) => ({ got: body ?? "nobody", key: params.key }), {
    parse: "none" as any,
  })
  .post("/b/:key", async ({ request, params }) => ({ text: await request.text(), key: params.key }), { parse: "none" as any })
  .post("/c/:key", ({ body }) => ({ got: body }), { error: ({ error }) => ({ local: String((error as Error).message) }) });
const app = new Elysia().use(platform({ service: "x", logger, metrics: new Registry() })).use(ofrep)
  .get("/q", ({ query }) => ({ q: query }))
  .get("/p", ({ query, request }) => { if (query.x === "1") return Promise.resolve({ async: true, id: requestIdOf(request) }); return { sync: true }; });
const go = async (m: string, p: string, body?: string) => { const r = await app.handle(new Request("http://localhost" + p, { method: m, body })); console.log(m, p, JSON.stringify(body), r.status, r.headers.get("content-type"), await r.text()); };
await go("POST", "/a/k1", "{bad");
await go("POST", "/a/k1", '{"context":{}}');
await go("POST", "/b/k%2F1", "{bad");
await go("POST", "/c/k1", "{bad");
await go("GET", "/q?user_id=a&user_id=b&flag_name=%C3%A7%20x+y");
await go("GET", "/q?user_id=&flag_name");
await go("GET", "/p?x=1");
await go("GET", "/p?x=2");
