import { Elysia } from "elysia";
import type { ConsumerHealth } from "./consumer.ts";

/** A poll cycle begins at least every ~25 s (a 20 s long poll); a minute without one is a hang. */
export const HEARTBEAT_LIMIT_MS = 60_000;

/**
 * Kubernetes probes with the bodies and 500 statuses of the original service. Readiness
 * needs the last SQS call to have succeeded and DynamoDB to have answered its last check
 * or write; liveness needs a recent poll-loop heartbeat.
 */
export function probes(health: () => ConsumerHealth, now: () => number = Date.now) {
  const alive = ({ lastHeartbeat }: ConsumerHealth) =>
    lastHeartbeat !== undefined && now() - lastHeartbeat <= HEARTBEAT_LIMIT_MS;

  return new Elysia({ name: "analytics-probes", detail: { tags: ["health"] } })
    .get(
      "/health/startup",
      ({ set }) => {
        const started = health().started;
        set.status = started ? 200 : 500;
        return { status: started ? "started" : "not-started" };
      },
      { detail: { summary: "Startup: the consumer is running" } },
    )
    .get(
      "/health/live",
      ({ set }) => {
        const live = alive(health());
        set.status = live ? 200 : 500;
        return { status: live ? "alive" : "dead" };
      },
      { detail: { summary: "Liveness: the poll loop is turning" } },
    )
    .get(
      "/health/ready",
      ({ set }) => {
        const state = health();
        const ready = state.started && state.queueReachable && state.storeReachable;
        set.status = ready ? 200 : 500;
        return { status: ready ? "ready" : "not-ready" };
      },
      { detail: { summary: "Readiness: SQS and DynamoDB reachable" } },
    );
}
