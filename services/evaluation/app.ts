import {
  badRequest,
  HttpError,
  type KeyValidator,
  type Logger,
  platform,
  type ReadinessChecks,
  type Registry,
  requestIdOf,
} from "@togglemaster/shared";
import { Elysia } from "elysia";
import type { FlagCache, FlagListCache } from "./cache.ts";
import { type CompiledFlag, MAX_FLAG_NAME, MAX_USER_ID } from "./decide.ts";
import type { EventSink } from "./events.ts";
import { ofrepBodies, ofrepRoutes } from "./ofrep.ts";

export interface EvaluationAppOptions {
  cache: FlagCache;
  flagList: FlagListCache;
  events: EventSink;
  jwtSecret: string;
  validateKey: KeyValidator;
  logger: Logger;
  metrics: Registry;
  /** Dependencies without which the service is not ready. */
  ready: ReadinessChecks;
  /** Dependencies shown in `/health/ready` that readiness does not wait for (Redis). */
  reported?: ReadinessChecks;
  corsOrigins?: string[];
}

const missingParameters = () =>
  new HttpError(400, "user_id e flag_name são obrigatórios", "MISSING_PARAMETERS");
const userIdTooLong = () =>
  badRequest(`'user_id' deve ter no máximo ${MAX_USER_ID} caracteres`, "USER_ID_TOO_LONG");
const flagNameTooLong = () =>
  badRequest(`'flag_name' deve ter no máximo ${MAX_FLAG_NAME} caracteres`, "FLAG_NAME_TOO_LONG");
const evaluationFailed = () =>
  new HttpError(502, "Erro interno ao avaliar a flag", "UPSTREAM_UNAVAILABLE");

export function createEvaluationApp(options: EvaluationAppOptions) {
  const { cache, events, logger, metrics, ready, reported = {}, corsOrigins } = options;

  /** The JSON text itself: Elysia sends a string as is, an object costs it far more. */
  const answer = (flag: CompiledFlag, flagName: string, userId: string) => {
    const { result } = flag.decide(userId);
    events.record(userId, flagName, result);
    return JSON.stringify({ flag_name: flagName, user_id: userId, result });
  };

  return (
    new Elysia({ name: "evaluation-service" })
      .use(ofrepBodies())
      .use(platform({ service: "evaluation", logger, metrics, ready, reported, corsOrigins }))
      // The hot path: synchronous while the flag is cached, so nothing here awaits.
      .get(
        "/evaluate",
        ({ query, request, set }) => {
          const userId = query.user_id;
          const flagName = query.flag_name;
          if (!userId || !flagName) throw missingParameters();
          if (userId.length > MAX_USER_ID) throw userIdTooLong();
          if (flagName.length > MAX_FLAG_NAME) throw flagNameTooLong();
          set.headers["content-type"] = "application/json";
          const flag = cache.peek(flagName);
          if (flag !== undefined) return answer(flag, flagName, userId);
          return cache.load(flagName, requestIdOf(request)).then(
            (loaded) => answer(loaded, flagName, userId),
            () => Promise.reject(evaluationFailed()),
          );
        },
        { detail: { summary: "Evaluate a flag for a user (no authentication, as v1)" } },
      )
      .use(ofrepRoutes(options))
  );
}
