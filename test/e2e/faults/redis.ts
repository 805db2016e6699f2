/**
 * A Redis server of the test's own, on a free port, so stopping it disturbs nothing else.
 * No persistence: a restart comes back empty, like a replaced cache node.
 */

import Redis from "ioredis";
import { freePort } from "../../../scripts/runtimes.ts";
import { eventually } from "./support.ts";

export interface RedisServer {
  url: string;
  /** Kills the server (SIGKILL): connections drop at once, as when a cache node dies. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Connections subscribed to `channel` right now. */
  subscribers(channel: string): Promise<number>;
  publish(channel: string, message: string): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ReturnType<typeof spawn> | undefined;

  const withClient = async <T>(use: (client: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 1_000,
      commandTimeout: 1_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      return await use(client);
    } finally {
      client.disconnect();
    }
  };

  const start = async () => {
    const started = spawn(port);
    server = started;
    const up = await eventually(
      async () =>
        started.exitCode === null && (await withClient((client) => client.ping())) === "PONG",
      10_000,
      50,
    );
    if (!up) {
      started.kill("SIGKILL");
      throw new Error(`redis-server on port ${port} did not start:\n${await started.log}`);
    }
  };

  await start();
  return {
    url,
    start,
    async stop() {
      const running = server;
      server = undefined;
      if (running === undefined) return;
      running.kill("SIGKILL");
      await running.exited;
    },
    async subscribers(channel) {
      const reply = (await withClient((client) => client.pubsub("NUMSUB", channel))) as unknown[];
      return Number(reply[1] ?? 0);
    },
    async publish(channel, message) {
      await withClient((client) => client.publish(channel, message));
    },
  };
}

function spawn(port: number) {
  const child = Bun.spawn(
    [
      "redis-server",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
    ],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  return Object.assign(child, { log: new Response(child.stdout).text() });
}
