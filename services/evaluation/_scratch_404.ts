import { Elysia } from "elysia";
import { platform, Registry, createLogger } from "@togglemaster/shared";
const logger = createLogger({ service: "x", write: () => {} });
const app = new Elysia().use(platform({ service: "x", logger, metrics: new Registry() })).get("/q", () => "hi");
for (const p of ["/health", "/q", "/metrics"]) { const r = await app.handle(new Request("http://localhost" + p)); console.log(p, r.status, (await r.text()).slice(0, 50)); }
const app2 = new Elysia().use(platform({ service: "x", logger, metrics: new Registry() })); app2.get("/q", () => "hi");
for (const p of ["/health", "/q"]) { const r = await app2.handle(new Request("http://localhost" + p)); console.log("2", p, r.status); }
