/**
 * The one HTTP front door of every service: request ids, the error shape, security headers,
 * CORS, JSON bodies under a size limit, one metrics sample and one access-log decision per
 * request, health, readiness, metrics and OpenAPI. Every route, the hot `/evaluate`
 * included, goes through it; there is no second path.
 */
import { toOpenAPISchema } from "@elysiajs/openapi";
import { type AnyElysia, Elysia } from "elysia";
import { HttpError } from "./errors.ts";
import { MAX_BODY_BYTES } from "./limits.ts";
import { describeError, type Logger } from "./logger.ts";
import type { Registry } from "./metrics.ts";
import { workArrived } from "./serve.ts";
import { describeValidationFailure } from "./validation.ts";

/** Readiness checks: each resolves when its dependency answers, throws otherwise. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

/** Turns a driver's error into an answer (e.g. "database unavailable" → 503), or passes. */
export type ErrorMapper = (error: unknown) => HttpError | undefined;

export interface EdgeOptions {
  service: string;
  logger: Logger;
  metrics: Registry;
  ready?: ReadinessChecks;
  /** Dependencies shown by `/health/ready` that readiness does not wait for (e.g. Redis). */
  reported?: ReadinessChecks;
  /** Serve `GET /health/ready`; off for a service whose readiness contract differs (analytics). */
  readinessRoute?: boolean;
  /** Origins allowed by CORS; empty means no cross-origin access at all. */
  corsOrigins?: string[];
  /** Largest accepted request body in bytes; larger ones get 413. */
  bodyLimit?: number;
  /** Larger limits for the routes (by path) that take whole documents. */
  documentLimits?: Record<string, number>;
  /** Routes whose successful requests the access log summarises instead of one line each. */
  hotRoutes?: string[];
  errorMappers?: ErrorMapper[];
  /** The body of an error answer, for routes whose protocol has its own shape (OFREP). */
  errorBody?: (error: HttpError, path: string) => unknown;
  /** Called once, at the first request to a route that is not a probe (serve.ts). */
  onWork?: () => void;
}

/** What orchestrators and scrapers call: none of it is work the service exists for. */
const PROBE_ROUTES = new Set([
  "/health",
  "/health/ready",
  "/health/live",
  "/health/startup",
  "/metrics",
  "/openapi",
  "unmatched",
]);

/**
 * Every response is JSON, so two headers carry the protection: no MIME sniffing, and a
 * policy that lets nothing load or frame the response should a browser render it. The
 * console's HTML is served by Bun.serve routes with a policy of its own.
 */
const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
} as const;

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Request ids: a random per-process prefix and a counter. Unique across replicas in
 * practice, and far cheaper than a UUID per request.
 */
const ID_PREFIX = crypto.randomUUID().slice(0, 13);
let requestCount = 0;
const nextRequestId = () => `${ID_PREFIX}${(++requestCount).toString(36)}`;

const requestIdFrom = (request: Request) => {
  const incoming = request.headers.get("x-request-id");
  return incoming !== null && REQUEST_ID.test(incoming) ? incoming : nextRequestId();
};

/**
 * The edge's per-request fields on Elysia's context. A route plugin `use`s it to see them
 * (Elysia applies a named plugin once); the edge fills them in as each request starts.
 */
export const requestContext = new Elysia({ name: "request-context" })
  .decorate("requestId", "")
  .decorate("startedAt", 0);

type Status = number | string | undefined;
const statusOf = (status: Status) => (typeof status === "number" ? status : 200);

/**
 * A 204 with no body. Returned as a Response because Deno refuses the empty body Elysia
 * would otherwise attach; `set.status` keeps the access log and metrics right.
 */
export function noContent(set: { status?: Status }): Response {
  set.status = 204;
  return new Response(null, { status: 204 });
}

const tooLarge = (limit: number) =>
  new HttpError(413, `Corpo da requisição excede ${limit} bytes`, "PAYLOAD_TOO_LARGE");
const invalidBody = () => new HttpError(400, "Corpo da requisição inválido", "INVALID_JSON");

/**
 * The body as text, at most `limit` bytes. A declared length is checked before reading;
 * a body without one (chunked) is read chunk by chunk and refused once past the limit.
 */
async function readBody(request: Request, limit: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > limit) throw tooLarge(limit);
    return request.text();
  }
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(read.value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** A JSON object body (the only kind the API takes), null when empty. */
function parseJsonObject(text: string): Record<string, unknown> | null {
  if (text.trim() === "") return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidBody();
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidBody();
  return body as Record<string, unknown>;
}

/** Runs readiness checks side by side; each yields "ok" or what went wrong. */
export function runChecks(checks: ReadinessChecks) {
  return Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await check();
        return [name, "ok"] as const;
      } catch (error) {
        return [name, describeError(error)] as const;
      }
    }),
  );
}

/** Counts, times and logs finished requests; metric series are resolved once per route. */
class RequestRecorder {
  /** route → method → status → the series' observer: looked up without building a key. */
  private readonly series = new Map<string, Map<string, Map<number, (seconds: number) => void>>>();
  private readonly requests;
  private readonly latency;
  private idle = true;

  constructor(
    metrics: Registry,
    private readonly logger: Logger,
    private readonly hotRoutes: Set<string>,
    private readonly onWork: () => void,
  ) {
    this.requests = metrics.counter("http_requests_total", "HTTP requests by route and status");
    this.latency = metrics.histogram(
      "http_request_duration_seconds",
      "HTTP request latency by route and status",
    );
  }

  record(request: Request, requestId: string, startedAt: number, route: string, status: number) {
    const durationMs = performance.now() - startedAt;
    this.seriesFor(route, request.method, status)(durationMs / 1000);
    if (this.idle && !PROBE_ROUTES.has(route)) {
      this.idle = false;
      this.onWork();
    }
    this.logger.request(
      {
        requestId,
        method: request.method,
        url: request.url,
        route,
        status,
        durationMs,
      },
      this.hotRoutes.has(route),
    );
  }

  private seriesFor(route: string, method: string, status: number) {
    let byMethod = this.series.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.series.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let observe = byStatus.get(status);
    if (observe === undefined) {
      const labels = { route, method, status };
      const count = this.requests.series(labels);
      const time = this.latency.labelled(labels);
      observe = (seconds) => {
        count();
        time(seconds);
      };
      byStatus.set(status, observe);
    }
    return observe;
  }
}

export function platform({
  service,
  logger,
  metrics,
  ready = {},
  reported = {},
  readinessRoute = true,
  corsOrigins = [],
  bodyLimit = MAX_BODY_BYTES,
  documentLimits = {},
  hotRoutes = [],
  errorMappers = [],
  errorBody = (error) => error.body,
  onWork = workArrived,
}: EdgeOptions) {
  const recorder = new RequestRecorder(metrics, logger, new Set(hotRoutes), onWork);
  const limits = new Map(Object.entries(documentLimits));
  const limitOf = (path: string) => limits.get(path) ?? bodyLimit;
  const allowed = new Set(corsOrigins);
  const anyOrigin = allowed.has("*");
  const allowsOrigin = (origin: string | null): origin is string =>
    origin !== null && (anyOrigin || allowed.has(origin));

  const answerError = (code: string | number, error: unknown, requestId: string) => {
    // Elysia wraps what the body parser throws; the cause is the real answer.
    const cause =
      code === "PARSE" && error instanceof Error && error.cause instanceof HttpError
        ? error.cause
        : error;
    if (cause instanceof HttpError) return cause;
    switch (code) {
      case "VALIDATION": {
        const failure = error as {
          valueError?: object;
          value?: unknown;
          validator?: { schema?: object };
        };
        return new HttpError(
          400,
          describeValidationFailure(failure.valueError, failure.value, failure.validator?.schema),
          "VALIDATION",
        );
      }
      case "PARSE":
        return invalidBody();
      case "NOT_FOUND":
        return new HttpError(404, "Rota não encontrada", "ROUTE_NOT_FOUND");
    }
    for (const map of errorMappers) {
      const mapped = map(error);
      if (mapped !== undefined) return mapped;
    }
    logger.error("unhandled error", { request_id: requestId, error: describeError(error) });
    return new HttpError(500, "Erro interno do servidor", "INTERNAL");
  };

  const registry = new Elysia({ name: `openapi:${service}` });
  const documentation = registry.get("/openapi", () => openApiDocument(service, registry), {
    detail: { hide: true },
  });
  return (
    new Elysia({ name: `platform:${service}` })
      .use(requestContext)
      .headers(SECURITY_HEADERS)
      .onRequest((context) => {
        const { request, set } = context;
        const requestId = requestIdFrom(request);
        context.requestId = requestId;
        context.startedAt = performance.now();
        set.headers["x-request-id"] = requestId;
        // Refused on every route, read or not, before anything else looks at the request.
        const declared = Number(request.headers.get("content-length") ?? 0);
        if (declared > bodyLimit) {
          const limit = limitOf(new URL(request.url).pathname);
          if (declared > limit) throw tooLarge(limit);
        }
        const origin = request.headers.get("origin");
        const crossOrigin = allowsOrigin(origin);
        if (crossOrigin) {
          set.headers["access-control-allow-origin"] = origin;
          set.headers.vary = "Origin";
        }
        if (request.method !== "OPTIONS") return;
        recorder.record(request, requestId, context.startedAt, "preflight", 204);
        return new Response(null, {
          status: 204,
          headers: {
            ...SECURITY_HEADERS,
            "x-request-id": requestId,
            ...(crossOrigin && {
              "access-control-allow-origin": origin,
              vary: "Origin",
              "access-control-allow-methods": "GET, POST, PUT, DELETE",
              "access-control-allow-headers":
                "authorization, content-type, x-api-key, x-request-id",
              "access-control-max-age": "600",
            }),
          },
        });
      })
      .onParse({ as: "global" }, async ({ request, path }) =>
        parseJsonObject(await readBody(request, limitOf(path))),
      )
      // Hooks name the context fields they read: Elysia then parses nothing else (no cookies,
      // no query) for any route.
      .onAfterHandle({ as: "global" }, ({ request, route, set, requestId, startedAt }) => {
        recorder.record(request, requestId, startedAt, route, statusOf(set.status));
      })
      .onError(
        { as: "global" },
        ({ code, error, set, request, path, route, requestId, startedAt }) => {
          const answer = answerError(code, error, requestId ?? "");
          set.status = answer.status;
          Object.assign(set.headers, answer.headers);
          recorder.record(
            request,
            requestId ?? "",
            startedAt ?? performance.now(),
            code === "NOT_FOUND" ? "unmatched" : route || "unmatched",
            answer.status,
          );
          return errorBody(answer, path);
        },
      )
      .get("/health", () => ({ status: "ok" }), { detail: { summary: "Liveness (no I/O)" } })
      .use(readinessRoute ? readiness(service, ready, reported) : new Elysia())
      .get(
        "/metrics",
        ({ set }) => {
          set.headers["content-type"] = "text/plain; version=0.0.4";
          return metrics.render();
        },
        { detail: { hide: true } },
      )
      .use(documentation)
  );
}

type Documented = Parameters<typeof toOpenAPISchema>[0];
/** What the generator reads of an app: its routes (every route of the server) and models. */
interface RouteRegistry {
  getGlobalRoutes(): { hooks: Record<string, unknown> }[];
  getGlobalDefinitions?(): unknown;
}
const documents = new WeakMap<object, object>();

/**
 * The OpenAPI document of every route, built once. The generator leaves out the body of
 * any route with a parse hook of its own, which is every route here (the platform's JSON
 * parser): it is shown the routes without it, and documents their `t` schemas as JSON.
 */
function openApiDocument(service: string, elysia: AnyElysia): object {
  const known = documents.get(elysia);
  if (known !== undefined) return known;
  const app = elysia as unknown as RouteRegistry;
  const routes = app.getGlobalRoutes();
  const withoutParsers = {
    getGlobalRoutes: () =>
      routes.map((route) => ({ ...route, hooks: { ...route.hooks, parse: undefined } })),
    getGlobalDefinitions: () => app.getGlobalDefinitions?.(),
  } as unknown as Documented;
  const { paths, components } = toOpenAPISchema(withoutParsers, {
    paths: ["/metrics", "/openapi"],
  });
  const document = {
    openapi: "3.1.0",
    info: { title: `ToggleMaster ${service}`, version: "2.0.0" },
    paths,
    components,
  };
  documents.set(elysia, document);
  return document;
}

function readiness(service: string, ready: ReadinessChecks, reported: ReadinessChecks) {
  return new Elysia({ name: `readiness:${service}` }).get(
    "/health/ready",
    async ({ set }) => {
      const [required, optional] = await Promise.all([runChecks(ready), runChecks(reported)]);
      const healthy = required.every(([, result]) => result === "ok");
      set.status = healthy ? 200 : 503;
      const checks = Object.fromEntries([...required, ...optional]);
      return { status: healthy ? "ready" : "not-ready", checks };
    },
    { detail: { summary: "Readiness: dependencies reachable" } },
  );
}
