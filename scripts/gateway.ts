/**
 * One public origin in front of the five services, routed as the ingress routes them: the
 * public prefixes of the topology, longest first, each matching whole path segments as an
 * Ingress `Prefix` path does ("/rules" takes "/rules" and "/rules/x", not "/rulesx"), and
 * "/" (flag-service: the console and its assets) takes the rest. `bun dev` and the browser
 * tests put it in front of the services so the console talks to one origin, as in a cluster.
 *
 *   const gateway = startGateway({ port: 8000, upstreams: { auth: "http://127.0.0.1:8001", … } });
 *   await fetch(`${gateway.url}/flags`);
 *   await gateway.stop();
 */
import { publicRoutes, type ServiceName } from "../services/shared/topology.ts";

export interface GatewayOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  hostname?: string;
  /** Base URL of each service, e.g. `http://127.0.0.1:8001`. */
  upstreams: Record<ServiceName, string>;
  /** How long one upstream exchange may take before the client gets a 504. */
  timeoutMs?: number;
}

export interface Gateway {
  /** `http://<hostname>:<port>` */
  url: string;
  stop(): Promise<void>;
}

type Route = { prefix: string; service: ServiceName };

const matchesPrefix = (pathname: string, prefix: string) =>
  prefix === "/" || pathname === prefix || pathname.startsWith(`${prefix}/`);

/** The service a path goes to; `routes` must be sorted longest prefix first. */
export function serviceFor(pathname: string, routes: Route[] = publicRoutes()): ServiceName {
  const route = routes.find(({ prefix }) => matchesPrefix(pathname, prefix));
  // The topology gives "/" to flag-service, so a route always matches; this guards an edited topology.
  if (route === undefined) throw new Error(`no public route for ${pathname}`);
  return route.service;
}

/** Connection-scoped headers (RFC 9110 §7.6.1) are not forwarded in either direction. */
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

function withoutHopByHop(source: Headers): Headers {
  const headers = new Headers(source);
  for (const name of HOP_BY_HOP) headers.delete(name);
  return headers;
}

const failure = (status: number, error: string, code: string) =>
  Response.json({ error, code }, { status });

export interface ForwardOptions {
  /** How long the exchange may take before the client gets a 504. */
  timeoutMs: number;
  /** The client's address, appended to X-Forwarded-For. */
  client?: string;
  /** Named in the 502 and 504 bodies. */
  service: string;
}

/** Sends `request` to the same path and query on `upstream` and passes the answer back as is. */
export async function forward(
  request: Request,
  upstream: string,
  { timeoutMs, client, service }: ForwardOptions,
): Promise<Response> {
  const url = new URL(request.url);
  const headers = withoutHopByHop(request.headers);
  // As ingress-nginx does: the nearest proxy appends the client's address, which
  // auth-service's rate limit reads.
  const forwarded = headers.get("x-forwarded-for");
  if (client !== undefined)
    headers.set("x-forwarded-for", forwarded ? `${forwarded}, ${client}` : client);
  headers.set("x-forwarded-host", url.host);
  headers.set("x-forwarded-proto", url.protocol.slice(0, -1));
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  try {
    const answer = await fetch(new URL(url.pathname + url.search, upstream), {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: "manual",
      // Bytes pass through as the service sent them, compressed or not.
      decompress: false,
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]),
    });
    return new Response(answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers: withoutHopByHop(answer.headers),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError")
      return failure(504, `Serviço ${service} não respondeu a tempo`, "UPSTREAM_TIMEOUT");
    return failure(502, `Serviço ${service} indisponível`, "UPSTREAM_UNAVAILABLE");
  }
}

export function startGateway({
  port = 0,
  hostname = "127.0.0.1",
  upstreams,
  timeoutMs = 30_000,
}: GatewayOptions): Gateway {
  const routes = publicRoutes();
  const server = Bun.serve({
    port,
    hostname,
    // Bun closes idle connections after 10 s by default; a slow upstream must meet our own
    // timeout (504) first. Bun accepts at most 255 s.
    idleTimeout: Math.min(255, Math.ceil(timeoutMs / 1000) + 5),
    fetch(request, server) {
      const service = serviceFor(new URL(request.url).pathname, routes);
      return forward(request, upstreams[service], {
        timeoutMs,
        service,
        client: server.requestIP(request)?.address,
      });
    },
  });
  return {
    url: `http://${hostname}:${server.port}`,
    async stop() {
      await server.stop(true);
    },
  };
}
