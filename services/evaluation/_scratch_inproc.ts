import { Elysia } from "elysia";
import { platform, Registry, createLogger } from "@togglemaster/shared";
const lvl = (process.env.LVL ?? "info") as any;
const logger = createLogger({ service: "x", level: lvl, write: () => {} });
function build(mode: string) {
  const app = mode === "bare" ? new Elysia() : new Elysia().use(platform({ service: "x", logger, metrics: new Registry() }));
  return app.get("/evaluate", ({ query }) => {
    const u = query.user_id, f = query.flag_name;
    if (typeof u !== "string" || typeof f !== "string") return { error: "x" };
    return { flag_name: f, user_id: u, result: true };
  });
}
for (const mode of ["bare", "plat", "bare", "plat"]) {
  const app = build(mode);
  const req = () => new Request("http://x/evaluate?user_id=u1&flag_name=f1");
  for (let i = 0; i < 20000; i++) await (await app.handle(req())).text();
  const N = 100000; const t = performance.now();
  for (let i = 0; i < N; i++) await (await app.handle(req())).text();
  console.log(mode, lvl, Math.round(N / ((performance.now() - t) / 1000)), "req/s");
}
