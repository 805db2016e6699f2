import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { isDatabaseUnavailable } from "./db.ts";
import { HttpError } from "./errors.ts";
import { describeError, type Logger } from "./logger.ts";
import type { Registry } from "./metrics.ts";
import { describeValidationFailure } from "./validation.ts";

/** Readiness checks: each resolves when its dependency answers, throws otherwise. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export interface PlatformOptions {
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
}

/**
 * Every response is JSON, so two headers carry the protection: no MIME sniffing, and a
 * policy that lets nothing load or frame the response should a browser render it. Each
 * header costs on the hot path, so the HTML-era ones (X-Frame-Options…) are left out.
 */
const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
};

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Request ids: a random per-process prefix and a counter. Unique across replicas in
 * practice, and far cheaper than a UUID per request.
 */
const ID_PREFIX = crypto.randomUUID().slice(0, 13);
let requestCount = 0;
const nextRequestId = () => `${ID_PREFIX}${(++requestCount).toString(36)}`;

interface RequestState {
  id: string;
  startedAt: number;
}

const states = new WeakMap<Request, RequestState>();

/** The request id of an in-flight request, to pass on in `x-request-id` downstream. */
export const requestIdOf = (request: Request): string => states.get(request)?.id ?? "";

/**
 * A 204 with no body. Returned as a Response because Deno refuses the empty body Elysia
 * would otherwise attach; `set.status` keeps the access log and metrics right.
 */
export function noContent(set: { status?: number | string }): Response {
  set.status = 204;
  return new Response(null, { status: 204 });
}

interface Edge {
  /** Counts, times and logs one finished request. */
  record(
    requestId: string,
    method: string,
    path: string,
    route: string,
    status: number,
    startedAt: number | undefined,
  ): void;
}

const edges = new WeakMap<Registry, Edge>();

/** The request metrics and access log of a service: one per registry, shared by all routes. */
function edgeOf(metrics: Registry, logger: Logger): Edge {
  const existing = edges.get(metrics);
  if (existing !== undefined) return existing;
  const requests = metrics.counter("http_requests_total", "HTTP requests by route and status");
  const latency = metrics.histogram(
    "http_request_duration_seconds",
    "HTTP request latency by route and status",
  );
  // Metric series per route, method and status, resolved once: label formatting is costly.
  const series = new Map<string, { count: () => void; observe: (seconds: number) => void }>();
  const seriesFor = (route: string, method: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (found === undefined) {
      const labels = { route, method, status };
      found = { count: requests.series(labels), observe: latency.labelled(labels) };
      series.set(key, found);
    }
    return found;
  };
  const edge: Edge = {
    record(requestId, method, path, route, status, startedAt) {
      const seconds = startedAt === undefined ? 0 : (performance.now() - startedAt) / 1000;
      const { count, observe } = seriesFor(route, method, status);
      count();
      observe(seconds);
      logger.request({
        requestId,
        method,
        path,
        route,
        status,
        durationMs: Math.round(seconds * 100_000) / 100,
      });
    },
  };
  edges.set(metrics, edge);
  return edge;
}

const requestIdFrom = (request: Request) => {
  const incoming = request.headers.get("x-request-id");
  return incoming !== null && REQUEST_ID.test(incoming) ? incoming : nextRequestId();
};

const allowsOrigin = (allowed: Set<string>, origin: string | null): origin is string =>
  origin !== null && (allowed.has(origin) || allowed.has("*"));

/**
 * What every service shares at its edge: request ids, one JSON log line and metrics per
 * request, JSON bodies whatever the content type (the original's clients often omit it),
 * the error shape, security headers, CORS, health, readiness, metrics and OpenAPI.
 */
export function platform({
  service,
  logger,
  metrics,
  ready = {},
  reported = {},
  readinessRoute = true,
  corsOrigins = [],
  bodyLimit = 64 * 1024,
}: PlatformOptions) {
  const edge = edgeOf(metrics, logger);
  const allowedOrigins = new Set(corsOrigins);

  const readiness = new Elysia({ name: `readiness:${service}` }).get(
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

  return new Elysia({ name: `platform:${service}` })
    .use(
      openapi({
        path: "/openapi/ui",
        specPath: "/openapi",
        provider: null,
        documentation: { info: { title: `ToggleMaster ${service}`, version: "1.0.0" } },
        exclude: { paths: ["/metrics", "/openapi"] },
      }),
    )
    .headers(SECURITY_HEADERS)
    .onRequest(({ request, set }) => {
      const id = requestIdFrom(request);
      states.set(request, { id, startedAt: performance.now() });
      set.headers["x-request-id"] = id;
      const origin = request.headers.get("origin");
      const allowed = allowsOrigin(allowedOrigins, origin);
      if (allowed)
        Object.assign(set.headers, { "access-control-allow-origin": origin, vary: "Origin" });
      if (request.method === "OPTIONS")
        return new Response(null, {
          status: 204,
          headers: {
            ...SECURITY_HEADERS,
            ...(allowed && {
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
    .onParse({ as: "global" }, async ({ request }) => {
      const declared = Number(request.headers.get("content-length") ?? 0);
      if (declared > bodyLimit) throw tooLarge(bodyLimit);
      const text = await request.text();
      if (text.length > bodyLimit) throw tooLarge(bodyLimit);
      if (text.trim() === "") return null;
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new HttpError(400, "Corpo da requisição inválido", "INVALID_JSON");
      }
      // Every body of the API is a JSON object; anything else is rejected before validation.
      if (typeof body !== "object" || body === null || Array.isArray(body))
        throw new HttpError(400, "Corpo da requisição inválido", "INVALID_JSON");
      return body;
    })
    .onError({ as: "global" }, ({ code, error, set, request }) => {
      // Elysia wraps what the body parser throws; the cause is the real answer.
      const known =
        error instanceof HttpError
          ? error
          : code === "PARSE" && error.cause instanceof HttpError
            ? error.cause
            : undefined;
      if (known !== undefined) {
        set.status = known.status;
        Object.assign(set.headers, known.headers);
        return known.body;
      }
      switch (code) {
        case "VALIDATION":
          set.status = 400;
          return {
            error: describeValidationFailure(
              error.valueError,
              error.value,
              (error.validator as { schema?: object } | undefined)?.schema,
            ),
            code: "VALIDATION",
          };
        case "PARSE":
          set.status = 400;
          return { error: "Corpo da requisição inválido", code: "INVALID_JSON" };
        case "NOT_FOUND":
          set.status = 404;
          return { error: "Rota não encontrada", code: "ROUTE_NOT_FOUND" };
      }
      if (isDatabaseUnavailable(error)) {
        set.status = 503;
        return { error: "Banco de dados indisponível", code: "DATABASE_UNAVAILABLE" };
      }
      logger.error("unhandled error", {
        request_id: requestIdOf(request),
        error: describeError(error),
      });
      set.status = 500;
      return { error: "Erro interno do servidor", code: "INTERNAL" };
    })
    .onAfterResponse({ as: "global" }, ({ request, route, set, path }) => {
      const state = states.get(request);
      const status = typeof set.status === "number" ? set.status : 200;
      edge.record(
        state?.id ?? "",
        request.method,
        path,
        route || "unmatched",
        status,
        state?.startedAt,
      );
    })
    .get("/health", () => ({ status: "ok" }), { detail: { summary: "Liveness (no I/O)" } })
    .use(readinessRoute ? readiness : new Elysia())
    .get(
      "/metrics",
      ({ set }) => {
        set.headers["content-type"] = "text/plain; version=0.0.4";
        return metrics.render();
      },
      { detail: { hide: true } },
    );
}

const tooLarge = (limit: number) =>
  new HttpError(413, `Corpo da requisição excede ${limit} bytes`, "PAYLOAD_TOO_LARGE");

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

/** What a direct route answers: a status and the JSON text of its body. */
export interface DirectAnswer {
  status: number;
  json: string;
}

export type DirectHandler = (
  request: Request,
  requestId: string,
) => DirectAnswer | Promise<DirectAnswer>;

/**
 * A route served by Bun.serve itself instead of through Elysia, for the one path whose
 * throughput is the product (/evaluate). It keeps the platform's contract (request id,
 * security headers, CORS, error shape, metrics and the access log line) without Elysia's
 * per-request machinery. Runtimes without native routes use the Elysia route instead.
 */
export function directRoute(
  {
    logger,
    metrics,
    corsOrigins = [],
  }: Pick<PlatformOptions, "logger" | "metrics" | "corsOrigins">,
  route: string,
  handler: DirectHandler,
): (request: Request) => Response | Promise<Response> {
  const edge = edgeOf(metrics, logger);
  const allowedOrigins = new Set(corsOrigins);

  const respond = (request: Request, id: string, startedAt: number, answer: DirectAnswer) => {
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      "content-type": "application/json",
      "x-request-id": id,
    };
    const origin = request.headers.get("origin");
    if (allowsOrigin(allowedOrigins, origin)) {
      headers["access-control-allow-origin"] = origin;
      headers.vary = "Origin";
    }
    const { url } = request;
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    const queryStart = url.indexOf("?", pathStart);
    const path = url.slice(pathStart, queryStart === -1 ? undefined : queryStart);
    edge.record(id, request.method, path, route, answer.status, startedAt);
    return new Response(answer.json, { status: answer.status, headers });
  };

  const failure = (error: unknown, id: string): DirectAnswer => {
    if (error instanceof HttpError)
      return { status: error.status, json: JSON.stringify(error.body) };
    logger.error("unhandled error", { request_id: id, error: describeError(error) });
    return { status: 500, json: '{"error":"Erro interno do servidor","code":"INTERNAL"}' };
  };

  return (request) => {
    const startedAt = performance.now();
    const id = requestIdFrom(request);
    let answer: DirectAnswer | Promise<DirectAnswer>;
    try {
      answer = handler(request, id);
    } catch (error) {
      return respond(request, id, startedAt, failure(error, id));
    }
    if (!(answer instanceof Promise)) return respond(request, id, startedAt, answer);
    return answer.then(
      (settled) => respond(request, id, startedAt, settled),
      (error: unknown) => respond(request, id, startedAt, failure(error, id)),
    );
  };
}
