import type { AuthGuardOptions } from "@togglemaster/shared/auth-guard";
import { badRequest, HttpError } from "@togglemaster/shared/errors";
import { type EdgeOptions, platform } from "@togglemaster/shared/http";
import { MAX_FLAG_NAME, MAX_USER_ID } from "@togglemaster/shared/limits";
import { Elysia } from "elysia";
import type { FlagCache, FlagListCache } from "./cache.ts";
import { type CompiledFlag, eventOf } from "./decide.ts";
import type { EventSink } from "./events.ts";
import { ofrepRoutes } from "./ofrep.ts";

export interface EvaluationAppOptions {
  cache: FlagCache;
  flagList: FlagListCache;
  events: EventSink;
  auth: AuthGuardOptions;
  edge: EdgeOptions;
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
  const { cache, events, edge } = options;

  /**
   * v1's answer for a boolean flag. A flag of another kind answers whether it served a
   * value (`result`), and which (`value`, `variant`; null when the flag is disabled, has no
   * default or failed).
   */
  const answer = (flag: CompiledFlag, flagName: string, userId: string) => {
    const evaluation = flag.evaluate({ targetingKey: userId });
    const { result, variant } = eventOf(flag.kind, evaluation);
    events.record(userId, flagName, result, variant);
    if (flag.kind === "boolean") return { flag_name: flagName, user_id: userId, result };
    return {
      flag_name: flagName,
      user_id: userId,
      result: evaluation.value !== undefined,
      value: evaluation.value ?? null,
      variant: evaluation.variant ?? null,
    };
  };

  return new Elysia({ name: "evaluation-service" })
    .use(platform(edge))
    .get(
      "/evaluate",
      // Synchronous while the flag is cached: the hot path awaits nothing.
      ({ request: { url }, requestId }) => {
        const { userId, flagName } = evaluateQuery(url);
        if (!userId || !flagName) throw missingParameters();
        if (userId.length > MAX_USER_ID) throw userIdTooLong();
        if (flagName.length > MAX_FLAG_NAME) throw flagNameTooLong();
        const flag = cache.peek(flagName);
        if (flag !== undefined) return answer(flag, flagName, userId);
        return cache.load(flagName, requestId).then(
          (loaded) => answer(loaded, flagName, userId),
          () => Promise.reject(evaluationFailed()),
        );
      },
      {
        detail: {
          summary: "Evaluate a flag for a user (no authentication, as v1)",
          tags: ["evaluation"],
        },
      },
    )
    .use(ofrepRoutes(options));
}

/**
 * `user_id` and `flag_name` of an `/evaluate` URL, as v1 read them: the first value of a
 * name given twice. A plain query (no escapes) is split in one pass over the URL: building
 * a URLSearchParams costs more than the rest of an evaluation.
 */
export function evaluateQuery(url: string): { userId?: string; flagName?: string } {
  const queryStart = url.indexOf("?");
  if (queryStart === -1) return {};
  if (url.indexOf("%", queryStart) !== -1 || url.indexOf("+", queryStart) !== -1) {
    // Given with its "?", which URLSearchParams strips: a second "?" is part of the query.
    const parameters = new URLSearchParams(url.slice(queryStart));
    return {
      userId: parameters.get("user_id") ?? undefined,
      flagName: parameters.get("flag_name") ?? undefined,
    };
  }
  let userId: string | undefined;
  let flagName: string | undefined;
  for (let start = queryStart + 1; start <= url.length; ) {
    let end = url.indexOf("&", start);
    if (end === -1) end = url.length;
    const equals = url.indexOf("=", start);
    const keyEnd = equals === -1 || equals > end ? end : equals;
    // The value, or "" for a name without "=".
    const valueStart = Math.min(keyEnd + 1, end);
    if (keyEnd - start === 7 && userId === undefined && url.startsWith("user_id", start))
      userId = url.slice(valueStart, end);
    else if (keyEnd - start === 9 && flagName === undefined && url.startsWith("flag_name", start))
      flagName = url.slice(valueStart, end);
    start = end + 1;
  }
  return { userId, flagName };
}
