import { Elysia } from "elysia";
import { platform, Registry, createLogger } from "@togglemaster/shared";
const logger = createLogger({ service: "x", write: () => {} });
const RAW = Symbol("raw");
const app = new Elysia()
  .onParse({ as: "global" }, async ({ request, path }) => {
    if (!path.startsWith("/ofrep/")) return;
    const text = await request.text();
    try { return { parsed: JSON.parse(text) }; } catch { return { invalid: text.length }; }
  })
  .use(platform({ service: "x", logger, metrics: new Registry() }))
  .post("/ofrep/v1/evaluate/flags/:key", ({ body, params }) => ({ body, key: params.key }))
  .post("/other", ({ body }) => ({ body }));
const go = async (m: string, p: string, body?: string) => { const r = await app.handle(new Request("http://localhost" + p, { method: m, body })); console.log(m, p, JSON.stringify(body), r.status, await r.text()); };
await go("POST", "/ofrep/v1/evaluate/flags/k1", "{bad");
await go("POST", "/ofrep/v1/evaluate/flags/k1", '{"context":{}}');
await go("POST", "/ofrep/v1/evaluate/flags/k1", '');
await go("POST", "/ofrep/v1/evaluate/flags/k%2F1", '[1]');
await go("POST", "/ofrep/v1/evaluate/flags/", '[1]');
await go("POST", "/other", "{bad");
