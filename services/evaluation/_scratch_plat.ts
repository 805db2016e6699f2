import { Elysia } from "elysia";
import { platform, Registry, createLogger } from "@togglemaster/shared";
const logger = createLogger({ service: "x", level: (process.env.LVL ?? "info") as any, write: () => {} });
const mode = process.argv[2];
const app = mode === "bare" ? new Elysia() : new Elysia().use(platform({ service: "x", logger, metrics: new Registry() }));
app.get("/evaluate", ({ query }) => {
  const u = query.user_id, f = query.flag_name;
  if (typeof u !== "string" || typeof f !== "string") return { error: "x" };
  return { flag_name: f, user_id: u, result: true };
});
app.listen({ port: 18999, hostname: "127.0.0.1" });
console.log("up");
