import { authGuard, type KeyValidator } from "@togglemaster/shared/auth-guard";
import { serviceUnavailable } from "@togglemaster/shared/errors";
import { platform } from "@togglemaster/shared/http";
import { describeError, type Logger } from "@togglemaster/shared/logger";
import type { Registry } from "@togglemaster/shared/metrics";
import { flagNameSchema } from "@togglemaster/shared/schemas";
import { Elysia, t } from "elysia";
import type { ConsumerHealth } from "./consumer.ts";
import { HOUR_MS, type HourlyCount, isoHour } from "./events.ts";
import { probes } from "./probes.ts";
import type { EventStore } from "./store.ts";

export interface AnalyticsAppOptions {
  store: EventStore;
  health: () => ConsumerHealth;
  /** The counters are business data: readable with an API key or JWT, like flags. */
  jwtSecret: string;
  validateKey: KeyValidator;
  logger: Logger;
  metrics: Registry;
  corsOrigins?: string[];
  /** The clock: counters cover the 24 hours up to now. */
  now?: () => number;
}

const WINDOW_HOURS = 24;

const sum = (counts: HourlyCount[], pick: (count: HourlyCount) => number) =>
  counts.reduce((total, count) => total + pick(count), 0);

export function createAnalyticsApp(options: AnalyticsAppOptions) {
  const { store, health, logger, metrics, corsOrigins, now = Date.now } = options;

  return new Elysia({ name: "analytics-service" })
    .use(platform({ service: "analytics", logger, metrics, corsOrigins, readinessRoute: false }))
    .use(probes(health, now))
    .use(authGuard(options))
    .get(
      "/analytics/flags/:name",
      async ({ params: { name } }) => {
        const current = now();
        const first = current - (WINDOW_HOURS - 1) * HOUR_MS;
        const hours = Array.from({ length: WINDOW_HOURS }, (_, index) =>
          isoHour(first + index * HOUR_MS),
        );
        let stored: HourlyCount[];
        try {
          stored = await store.hourlyCounts(name, isoHour(first), isoHour(current));
        } catch (error) {
          logger.warn("counters unavailable", { flag_name: name, error: describeError(error) });
          throw serviceUnavailable("Banco de dados indisponível", "DATABASE_UNAVAILABLE");
        }
        const byHour = new Map(stored.map((count) => [count.hour, count]));
        const counts = hours.map(
          (hour) => byHour.get(hour) ?? { flagName: name, hour, trueCount: 0, falseCount: 0 },
        );
        return {
          flag_name: name,
          hours: counts.map(({ hour, trueCount, falseCount }) => ({
            hour,
            true: trueCount,
            false: falseCount,
          })),
          totals: {
            true: sum(counts, (count) => count.trueCount),
            false: sum(counts, (count) => count.falseCount),
          },
        };
      },
      {
        params: t.Object({ name: flagNameSchema("name", "'name' é obrigatório") }),
        detail: {
          summary: "True and false results per hour over the last 24 hours",
          tags: ["analytics"],
        },
      },
    );
}
