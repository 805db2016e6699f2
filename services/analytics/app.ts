import { authGuard, type KeyValidator } from "@togglemaster/shared/auth-guard";
import { serviceUnavailable } from "@togglemaster/shared/errors";
import { HOUR_MS, isoHour } from "@togglemaster/shared/events";
import { platform } from "@togglemaster/shared/http";
import { describeError, type Logger } from "@togglemaster/shared/logger";
import type { Registry } from "@togglemaster/shared/metrics";
import { flagNameSchema } from "@togglemaster/shared/schemas";
import { Elysia, t } from "elysia";
import type { ConsumerHealth } from "./consumer.ts";
import { Tally } from "./counters.ts";
import { probes } from "./probes.ts";
import type { EventStore } from "./store.ts";

export interface AnalyticsAppOptions {
  store: Pick<EventStore, "hourlyCounts">;
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

/** v1's `true`/`false` (zero for a flag whose values are not booleans), then each variant. */
const counts = (tally: Tally) => ({
  true: tally.trueCount,
  false: tally.falseCount,
  variants: Object.fromEntries(tally.variants),
});

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
        let stored: Map<string, Tally>;
        try {
          stored = await store.hourlyCounts(name, isoHour(first), isoHour(current));
        } catch (error) {
          logger.warn("counters unavailable", { flag_name: name, error: describeError(error) });
          throw serviceUnavailable("Banco de dados indisponível", "DATABASE_UNAVAILABLE");
        }
        const totals = new Tally();
        for (const hour of hours) totals.addAll(stored.get(hour) ?? new Tally());
        return {
          flag_name: name,
          hours: hours.map((hour) => ({ hour, ...counts(stored.get(hour) ?? new Tally()) })),
          totals: counts(totals),
        };
      },
      {
        params: t.Object({ name: flagNameSchema("name", "'name' é obrigatório") }),
        detail: {
          summary:
            "Evaluations per hour over the last 24 hours: true and false results, and per variant",
          tags: ["analytics"],
        },
      },
    );
}
