/**
 * OpenFeature Remote Evaluation Protocol, so any OpenFeature SDK can use ToggleMaster:
 * `POST /ofrep/v1/evaluate/flags/{key}` and the bulk `POST /ofrep/v1/evaluate/flags`,
 * with OFREP's own success and error shapes. The decision is the one `/evaluate` makes.
 */
import { type AuthGuardOptions, authGuard } from "@togglemaster/shared/auth-guard";
import type { HttpError } from "@togglemaster/shared/errors";
import type { Metadata } from "@togglemaster/shared/flagd/document";
import type { Context } from "@togglemaster/shared/flagd/targeting";
import { sha1Hex } from "@togglemaster/shared/hash";
import { requestContext } from "@togglemaster/shared/http";
import { isObject, MAX_FLAG_NAME, MAX_USER_ID } from "@togglemaster/shared/limits";
import { type DocumentDecoration, Elysia } from "elysia";
import type { FlagCache, FlagListCache } from "./cache.ts";
import { type CompiledFlag, type Evaluation, eventOf } from "./decide.ts";
import type { EventSink } from "./events.ts";

export interface OfrepOptions {
  cache: FlagCache;
  flagList: FlagListCache;
  events: EventSink;
  auth: AuthGuardOptions;
}

export const OFREP_PREFIX = "/ofrep/";
const SINGLE_FLAG = /^\/ofrep\/v1\/evaluate\/flags\/([^/]+)$/;

/**
 * An error the edge answered before an OFREP route ran (an unreadable or oversized body) in
 * OFREP's shape; other paths keep the platform's. Authentication failures keep theirs too:
 * OFREP defines no body for 401 and 403.
 */
export function ofrepErrorBody(error: HttpError, path: string): unknown {
  if (!path.startsWith(OFREP_PREFIX) || (error.status !== 400 && error.status !== 413))
    return error.body;
  const key = SINGLE_FLAG.exec(path)?.[1];
  return {
    ...(key !== undefined && { key: decodedSegment(key) }),
    errorCode: "PARSE_ERROR",
    errorDetails: error.message,
  };
}

/** A path segment as the client meant it; one that is not valid percent-encoding, as sent. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

type ErrorCode =
  | "PARSE_ERROR"
  | "INVALID_CONTEXT"
  | "TARGETING_KEY_MISSING"
  | "FLAG_NOT_FOUND"
  | "TYPE_MISMATCH"
  | "GENERAL";

type ContextCheck =
  | { ok: true; context: Context }
  | { ok: false; errorCode: ErrorCode; errorDetails: string };

const NO_CONTEXT: Context = Object.freeze({});

/**
 * `{"context":{"targetingKey":…, …attributes}}` as the edge parsed it (a JSON object, or
 * null when the body is empty). An empty targeting key counts as none.
 */
export function readContext(body: unknown): ContextCheck {
  if (!isObject(body)) return { ok: true, context: NO_CONTEXT };
  const { context } = body;
  if (context === undefined || context === null) return { ok: true, context: NO_CONTEXT };
  if (!isObject(context))
    return {
      ok: false,
      errorCode: "INVALID_CONTEXT",
      errorDetails: "'context' deve ser um objeto",
    };
  const { targetingKey } = context;
  if (targetingKey === undefined || targetingKey === null || targetingKey === "") {
    const { targetingKey: _absent, ...attributes } = context;
    return { ok: true, context: attributes };
  }
  if (typeof targetingKey !== "string" || targetingKey.length > MAX_USER_ID)
    return {
      ok: false,
      errorCode: "INVALID_CONTEXT",
      errorDetails: `'context.targetingKey' deve ser um texto de até ${MAX_USER_ID} caracteres`,
    };
  return { ok: true, context };
}

interface Success {
  key: string;
  value?: unknown;
  variant?: string;
  reason: string;
  metadata: Metadata;
}

interface Failure {
  key: string;
  errorCode: ErrorCode;
  errorDetails: string;
  metadata?: Metadata;
}

type Answer = Success | Failure;

/** An answer without an error; value and variant are left out when the caller's default applies. */
const success = (key: string, { value, variant, reason, metadata }: Evaluation): Success => ({
  key,
  ...(value !== undefined && { value }),
  ...(variant !== undefined && { variant }),
  reason,
  metadata,
});

const failure = (
  key: string,
  errorCode: ErrorCode,
  errorDetails: string,
  metadata?: Metadata,
): Failure => ({ key, errorCode, errorDetails, ...(metadata !== undefined && { metadata }) });

const notFound = (key: string) => failure(key, "FLAG_NOT_FOUND", `Flag '${key}' não encontrada`);
const unavailable = (key: string) =>
  failure(key, "GENERAL", "Erro interno ao avaliar a flag: serviços de flags indisponíveis");

/** The answer for one flag and context. */
export function answerFor(key: string, flag: CompiledFlag, context: Context): Answer {
  if (!flag.found) return notFound(key);
  if (flag.needsTargetingKey && context.targetingKey === undefined)
    return failure(key, "TARGETING_KEY_MISSING", `A flag '${key}' exige 'context.targetingKey'`);
  const evaluation = flag.evaluate(context);
  if (evaluation.errorCode === undefined) return success(key, evaluation);
  return failure(
    key,
    evaluation.errorCode,
    evaluation.errorMessage ?? evaluation.errorCode,
    evaluation.metadata,
  );
}

type RequestBody = NonNullable<NonNullable<DocumentDecoration["requestBody"]>>;

/**
 * The request body, for the OpenAPI document only: OFREP answers a malformed body in its own
 * shape (`readContext`), which schema validation at the edge would not.
 */
const EVALUATION_REQUEST: RequestBody = {
  required: false,
  content: {
    "application/json": {
      schema: {
        type: "object" as const,
        properties: {
          context: {
            type: "object" as const,
            description:
              "The evaluation context: `targetingKey` and any attributes targeting reads",
            properties: { targetingKey: { type: "string" as const, maxLength: MAX_USER_ID } },
            additionalProperties: true,
          },
        },
      },
    },
  },
};

/** OFREP's statuses: 404 for an unknown flag, 500 for GENERAL, 400 for the others. */
const STATUS: Record<ErrorCode, number> = {
  PARSE_ERROR: 400,
  INVALID_CONTEXT: 400,
  TARGETING_KEY_MISSING: 400,
  TYPE_MISMATCH: 400,
  FLAG_NOT_FOUND: 404,
  GENERAL: 500,
};

export function ofrepRoutes({ cache, flagList, events, auth }: OfrepOptions) {
  const lookup = async (key: string, requestId: string) =>
    cache.peek(key) ?? (await cache.load(key, requestId));

  return new Elysia({ name: "ofrep", detail: { tags: ["OFREP"] } })
    .use(requestContext)
    .use(authGuard(auth))
    .post(
      "/ofrep/v1/evaluate/flags/:key",
      async ({ params: { key }, body, requestId, set }) => {
        const context = readContext(body);
        let answer: Answer;
        if (!context.ok) {
          answer = failure(key, context.errorCode, context.errorDetails);
        } else if (key.length > MAX_FLAG_NAME) {
          answer = notFound(key);
        } else {
          try {
            const flag = await lookup(key, requestId);
            answer = answerFor(key, flag, context.context);
            const { targetingKey } = context.context;
            if (flag.found && typeof targetingKey === "string") {
              const { result, variant } = eventOf(flag.kind, answer);
              events.record(targetingKey, key, result, variant);
            }
          } catch {
            answer = unavailable(key);
          }
        }
        if ("errorCode" in answer) set.status = STATUS[answer.errorCode];
        return answer;
      },
      {
        detail: {
          summary: "OFREP: evaluate one flag for a context",
          requestBody: EVALUATION_REQUEST,
        },
      },
    )
    .post(
      "/ofrep/v1/evaluate/flags",
      async ({ body, request, requestId, set }) => {
        const context = readContext(body);
        if (!context.ok) {
          set.status = 400;
          return { errorCode: context.errorCode, errorDetails: context.errorDetails };
        }
        let names: string[];
        try {
          names = await flagList.names(requestId);
        } catch {
          set.status = 500;
          return { errorCode: "GENERAL", errorDetails: "Lista de flags indisponível" };
        }
        const answers = await mapConcurrently(names, 16, async (key) => {
          try {
            return answerFor(key, await lookup(key, requestId), context.context);
          } catch {
            return unavailable(key);
          }
        });
        // A flag deleted since the list was read is simply not part of the answer.
        const flags = answers.filter(
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
      {
        detail: {
          summary: "OFREP: evaluate every flag for a context (ETag / If-None-Match)",
          requestBody: EVALUATION_REQUEST,
        },
      },
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
