import type { KeyValidator } from "@togglemaster/shared/auth-guard";
import { badRequest, HttpError } from "@togglemaster/shared/errors";
import {
  type DirectAnswer,
  directRoute,
  platform,
  type ReadinessChecks,
  requestIdOf,
} from "@togglemaster/shared/http";
import type { Logger } from "@togglemaster/shared/logger";
import type { Registry } from "@togglemaster/shared/metrics";
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

  const answer = (flag: CompiledFlag, flagName: string, userId: string): DirectAnswer => {
    const { result } = flag.decide(userId);
    events.record(userId, flagName, result);
    return { status: 200, json: JSON.stringify({ flag_name: flagName, user_id: userId, result }) };
  };

  /** The hot path: synchronous while the flag is cached, so nothing here awaits. */
  const evaluate = (
    userId: string | null | undefined,
    flagName: string | null | undefined,
    requestId: string,
  ): DirectAnswer | Promise<DirectAnswer> => {
    if (!userId || !flagName) throw missingParameters();
    if (userId.length > MAX_USER_ID) throw userIdTooLong();
    if (flagName.length > MAX_FLAG_NAME) throw flagNameTooLong();
    const flag = cache.peek(flagName);
    if (flag !== undefined) return answer(flag, flagName, userId);
    return cache.load(flagName, requestId).then(
      (loaded) => answer(loaded, flagName, userId),
      () => Promise.reject(evaluationFailed()),
    );
  };

  // On Bun, /evaluate is served by Bun.serve directly; elsewhere by the Elysia route below.
  const direct = directRoute({ logger, metrics, corsOrigins }, "/evaluate", (request, id) => {
    const { url } = request;
    return evaluate(queryParameter(url, "user_id"), queryParameter(url, "flag_name"), id);
  });

  const toElysia = (
    set: { status?: number | string; headers: Record<string, unknown> },
    { status, json }: DirectAnswer,
  ) => {
    set.status = status;
    set.headers["content-type"] = "application/json";
    return json;
  };

  return new Elysia({
    name: "evaluation-service",
    serve: { routes: { "/evaluate": { GET: direct } } },
  })
    .use(ofrepBodies())
    .use(platform({ service: "evaluation", logger, metrics, ready, reported, corsOrigins }))
    .get(
      "/evaluate",
      ({ query, request, set }) => {
        const decided = evaluate(query.user_id, query.flag_name, requestIdOf(request));
        return decided instanceof Promise
          ? decided.then((settled) => toElysia(set, settled))
          : toElysia(set, decided);
      },
      { detail: { summary: "Evaluate a flag for a user (no authentication, as v1)" } },
    )
    .use(ofrepRoutes(options));
}

/**
 * One query parameter of a URL, as URLSearchParams would read it. Plain queries (no escapes)
 * are split by hand: building a URLSearchParams costs more than the rest of an evaluation.
 */
export function queryParameter(url: string, name: string): string | undefined {
  const queryStart = url.indexOf("?");
  if (queryStart === -1) return undefined;
  const query = url.slice(queryStart + 1);
  if (query.includes("%") || query.includes("+"))
    return new URLSearchParams(query).get(name) ?? undefined;
  for (let start = 0; start <= query.length; ) {
    let end = query.indexOf("&", start);
    if (end === -1) end = query.length;
    const equals = query.indexOf("=", start);
    const keyEnd = equals === -1 || equals > end ? end : equals;
    if (keyEnd - start === name.length && query.startsWith(name, start))
      return keyEnd === end ? "" : query.slice(keyEnd + 1, end);
    start = end + 1;
  }
  return undefined;
}
