import type { AnyElysia } from "elysia";
import { describeError, type Logger } from "./logger.ts";
import type { Registry } from "./metrics.ts";

/** A wired service: its app, and what must be released when it stops. */
export interface Service {
  name: string;
  port: number;
  app: AnyElysia;
  logger: Logger;
  metrics: Registry;
  /** Stops background work and releases pools; runs after in-flight requests finish. */
  close(): Promise<void>;
}

interface DenoServer {
  shutdown(): Promise<void>;
}
interface DenoRuntime {
  serve(
    options: { port: number; hostname: string; onListen?: () => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): DenoServer;
  addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
  exit(code: number): never;
}

const deno = (globalThis as { Deno?: DenoRuntime }).Deno;

/** Whether the JIT still holds back as the executable started it (Bun only). */
let jitHoldingBack = typeof Bun !== "undefined";

/**
 * The first real work of the process: a request that is not a probe, or a message from the
 * queue. The executables start with the JIT holding back (scripts/build.ts), and keep it
 * holding back while only probes arrive: start-up code has already run, once, and compiling
 * it at the normal thresholds would spend memory on code an idle service never runs hot.
 * Work brings the normal policy back, and the code that serves it compiles as usual.
 */
export function workArrived(): void {
  if (!jitHoldingBack) return;
  jitHoldingBack = false;
  Bun.unsafe.setJITPolicy(1);
}

/**
 * The only runtime-specific code of the platform: listen with Bun or Deno and shut down
 * gracefully on SIGTERM (stop accepting, finish in-flight requests, close pools).
 */
export async function serve(service: Service, hostname = "0.0.0.0"): Promise<void> {
  const { app, port, logger } = service;
  let stopListening: () => Promise<void>;
  if (deno !== undefined && typeof Bun === "undefined") {
    const server = deno.serve({ port, hostname, onListen: () => {} }, app.fetch);
    stopListening = () => server.shutdown();
  } else {
    app.listen({ port, hostname, maxRequestBodySize: 1024 * 1024 });
    stopListening = async () => {
      await app.stop();
    };
  }
  logger.info("listening", { port, runtime: typeof Bun === "undefined" ? "deno" : "bun" });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Summaries of the requests served so far come before the shutdown's own lines.
    logger.flush();
    logger.info("shutting down", { signal });
    try {
      await stopListening();
      await service.close();
    } catch (error) {
      logger.error("shutdown failed", { error: describeError(error) });
    }
    logger.flush();
    logger.info("stopped");
    logger.flush();
    process.exit(0);
  };
  if (deno !== undefined && typeof Bun === "undefined") {
    deno.addSignalListener("SIGTERM", () => void shutdown("SIGTERM"));
    deno.addSignalListener("SIGINT", () => void shutdown("SIGINT"));
  } else {
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    process.on("SIGINT", () => void shutdown("SIGINT"));
  }
}

/** Runs a service's `main`, turning a start-up failure into one clear line and exit 1. */
export async function run(main: () => Promise<Service>): Promise<void> {
  try {
    await serve(await main());
  } catch (error) {
    process.stderr.write(
      `${JSON.stringify({ level: "error", message: "start-up failed", error: describeError(error) })}\n`,
    );
    process.exit(1);
  }
}
