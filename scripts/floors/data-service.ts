/** auth, flag and targeting's libraries alone: Elysia, a pg pool and an ioredis client. */
import { Elysia } from "elysia";
import Redis from "ioredis";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
const redis = new Redis(process.env.REDIS_URL ?? "");

new Elysia()
  .get("/health/ready", async () => {
    await Promise.all([pool.query("SELECT 1"), redis.ping()]);
    return { status: "ready" };
  })
  .listen(Number(process.env.PORT));

// As the services do (services/shared/serve.ts): the normal JIT policy once listening, and an
// exit on SIGTERM, which is when a run writes its bytecode order.
Bun.unsafe.setJITPolicy(1);
process.on("SIGTERM", () => process.exit(0));
