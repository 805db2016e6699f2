/** auth, flag and targeting's libraries alone: Elysia, a pg pool and an ioredis client. */
import { Elysia } from "elysia";
import Redis from "ioredis";
import pg from "pg";
import { listening } from "./listening.ts";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
const redis = new Redis(process.env.REDIS_URL ?? "");

new Elysia()
  .get("/health/ready", async () => {
    await Promise.all([pool.query("SELECT 1"), redis.ping()]);
    return { status: "ready" };
  })
  .listen(Number(process.env.PORT));
listening();
