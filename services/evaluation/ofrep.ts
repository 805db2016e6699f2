/**
 * OpenFeature Remote Evaluation Protocol, so any OpenFeature SDK can use ToggleMaster:
 * `POST /ofrep/v1/evaluate/flags/{key}` and the bulk `POST /ofrep/v1/evaluate/flags`,
 * with OFREP's own success and error shapes. The decision is the one `/evaluate` makes.
 */
import { authGuard, type KeyValidator } from "@togglemaster/shared/auth-guard";
import { requestIdOf } from "@togglemaster/shared/http";
import { Elysia } from "elysia";
import { sha1Hex } from "./bucket.ts";
import type { FlagCache, FlagListCache } from "./cache.ts";
import { type CompiledFlag, type Decision, MAX_FLAG_NAME, MAX_USER_ID } from "./decide.ts";
import type { EventSink } from "./events.ts";

export interface OfrepOptions {
  cache: FlagCache;
  flagList: FlagListCache;
  events: EventSink;
  jwtSecret: string;
  validateKey: KeyValidator;
}

/** A request body as `ofrepBodies` read it: the JSON value, or what is wrong with it. */
export type OfrepBody = { value: unknown } | { problem: string };

const OFREP_PATH = "/ofrep/";

/**
 * Reads OFREP bodies before the platform's parser, whose error shape is not OFREP's:
 * an unreadable body must still come back as `PARSE_ERROR`. Register it before `platform`.
 */
export function ofrepBodies(bodyLimit = 64 * 1024) {
  return new Elysia({ name: "ofrep-bodies" }).onParse(
    { as: "global" },
    async ({ request, path }): Promise<OfrepBody | undefined> => {
      if (!path.startsWith(OFREP_PATH)) return undefined;
      const text = await request.text();
      if (text.length > bodyLimit) return { problem: `O corpo excede ${bodyLimit} bytes` };
      if (text.trim() === "") return { value: undefined };
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { problem: "O corpo não é um JSON válido" };
      }
    },
  );
}

type ErrorCode =
  | "PARSE_ERROR"
  | "INVALID_CONTEXT"
  | "TARGETING_KEY_MISSING"
  | "FLAG_NOT_FOUND"
  | "GENERAL";

type ContextCheck =
  | { ok: true; targetingKey: string | undefined }
  | { ok: false; errorCode: ErrorCode; errorDetails: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `{"context":{"targetingKey":…}}`; the targeting key is the user id of a decision. */
export function readContext(body: unknown): ContextCheck {
  const parsed = body as OfrepBody | undefined;
  if (parsed === undefined || parsed === null) return { ok: true, targetingKey: undefined };
  if ("problem" in parsed)
    return { ok: false, errorCode: "PARSE_ERROR", errorDetails: parsed.problem };
  const { value } = parsed;
  if (value === undefined) return { ok: true, targetingKey: undefined };
  if (!isObject(value))
    return { ok: false, errorCode: "PARSE_ERROR", errorDetails: "O corpo deve ser um objeto JSON" };
  const { context } = value;
  if (context === undefined || context === null) return { ok: true, targetingKey: undefined };
  if (!isObject(context))
    return {
      ok: false,
      errorCode: "INVALID_CONTEXT",
      errorDetails: "'context' deve ser um objeto",
    };
  const { targetingKey } = context;
  if (targetingKey === undefined || targetingKey === null || targetingKey === "")
    return { ok: true, targetingKey: undefined };
  if (typeof targetingKey !== "string" || targetingKey.length > MAX_USER_ID)
    return {
      ok: false,
      errorCode: "INVALID_CONTEXT",
      errorDetails: `'context.targetingKey' deve ser um texto de até ${MAX_USER_ID} caracteres`,
    };
  return { ok: true, targetingKey };
}

const success = (key: string, { result, reason }: Decision) => ({
  key,
  value: result,
  reason,
  variant: result ? "on" : "off",
  metadata: {},
});

const failure = (key: string, errorCode: ErrorCode, errorDetails: string) => ({
  key,
  errorCode,
  errorDetails,
});

type Evaluation = ReturnType<typeof success> | ReturnType<typeof failure>;

const notFound = (key: string) => failure(key, "FLAG_NOT_FOUND", `Flag '${key}' não encontrada`);
const unavailable = (key: string) =>
  failure(key, "GENERAL", "Erro interno ao avaliar a flag: serviços de flags indisponíveis");

/** The decision for one flag, or why there is none. */
function evaluate(key: string, flag: CompiledFlag, targetingKey: string | undefined): Evaluation {
  if (!flag.found) return notFound(key);
  if (flag.targeted && targetingKey === undefined)
    return failure(key, "TARGETING_KEY_MISSING", `A flag '${key}' exige 'context.targetingKey'`);
  return success(key, flag.decide(targetingKey ?? ""));
}

const STATUS: Record<ErrorCode, number> = {
  PARSE_ERROR: 400,
  INVALID_CONTEXT: 400,
  TARGETING_KEY_MISSING: 400,
  FLAG_NOT_FOUND: 404,
  GENERAL: 500,
};

export function ofrepRoutes({ cache, flagList, events, jwtSecret, validateKey }: OfrepOptions) {
  const lookup = async (key: string, requestId: string) =>
    cache.peek(key) ?? (await cache.load(key, requestId));

  return new Elysia({ name: "ofrep", detail: { tags: ["OFREP"] } })
    .use(authGuard({ jwtSecret, validateKey }))
    .post(
      "/ofrep/v1/evaluate/flags/:key",
      async ({ params: { key }, body, request, set }) => {
        const context = readContext(body);
        let evaluation: Evaluation;
        if (!context.ok) {
          evaluation = failure(key, context.errorCode, context.errorDetails);
        } else if (key.length > MAX_FLAG_NAME) {
          evaluation = notFound(key);
        } else {
          try {
            evaluation = evaluate(
              key,
              await lookup(key, requestIdOf(request)),
              context.targetingKey,
            );
          } catch {
            evaluation = unavailable(key);
          }
        }
        if ("errorCode" in evaluation) {
          set.status = STATUS[evaluation.errorCode];
        } else if (context.ok && context.targetingKey !== undefined) {
          events.record(context.targetingKey, key, evaluation.value);
        }
        return evaluation;
      },
      { detail: { summary: "OFREP: evaluate one flag for a context" } },
    )
    .post(
      "/ofrep/v1/evaluate/flags",
      async ({ body, request, set }) => {
        const context = readContext(body);
        if (!context.ok) {
          set.status = 400;
          return { errorCode: context.errorCode, errorDetails: context.errorDetails };
        }
        const requestId = requestIdOf(request);
        let names: string[];
        try {
          names = await flagList.names(requestId);
        } catch {
          set.status = 500;
          return { errorCode: "GENERAL", errorDetails: "Lista de flags indisponível" };
        }
        const evaluations = await mapConcurrently(names, 16, async (key) => {
          try {
            return evaluate(key, await lookup(key, requestId), context.targetingKey);
          } catch {
            return unavailable(key);
          }
        });
        // A flag deleted since the list was read is simply not part of the answer.
        const flags = evaluations.filter(
          (item) => !("errorCode" in item && item.errorCode === "FLAG_NOT_FOUND"),
        );
        const text = JSON.stringify({ flags });
        const etag = `"${sha1Hex(text)}"`;
        set.headers.etag = etag;
        if (matchesEtag(request.headers.get("if-none-match"), etag)) {
          set.status = 304;
          return "";
        }
        set.headers["content-type"] = "application/json";
        return text;
      },
      { detail: { summary: "OFREP: evaluate every flag for a context (ETag / If-None-Match)" } },
    );
}

/** `If-None-Match` lists entity tags (weak or strong) or is `*`. */
function matchesEtag(header: string | null, etag: string): boolean {
  if (header === null) return false;
  return header
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === etag || tag === "*");
}

/** `map` with at most `limit` calls pending at once, results in input order. */
async function mapConcurrently<T, R>(items: T[], limit: number, map: (item: T) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
