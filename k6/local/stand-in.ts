// A throwaway stand-in for the four services the local runner talks to, with the same routes,
// status codes and bodies, kept in memory on random loopback ports. It lets the runner's tests
// prove the summary is valid without the real stack; the real services are tested elsewhere.

export interface StandIn {
  env: Record<string, string>;
  /** Requests seen, keyed "METHOD /path-without-ids". */
  hits: Map<string, number>;
  flags: Map<string, { is_enabled: boolean; description: string }>;
  rules: Map<string, unknown>;
  stop: () => void;
}

export interface StandInOptions {
  /** Every nth /evaluate answers 500, to exercise error accounting. */
  failEveryEvaluate?: number;
}

const MASTER_KEY = "stand-in-master-key";

export function startStandIn(options: StandInOptions = {}): StandIn {
  const keys = new Set<string>();
  const flags: StandIn["flags"] = new Map();
  const rules: StandIn["rules"] = new Map();
  const hits = new Map<string, number>();
  let evaluations = 0;

  const bearer = (request: Request) =>
    request.headers.get("authorization")?.replace(/^Bearer /, "");
  const authorized = (request: Request) => keys.has(bearer(request) ?? "");
  const count = (request: Request, route: string) =>
    hits.set(`${request.method} ${route}`, (hits.get(`${request.method} ${route}`) ?? 0) + 1);
  const error = (status: number, message: string) => Response.json({ error: message }, { status });
  const serve = (fetch: (request: Request, url: URL) => Response | Promise<Response>) =>
    Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request) => fetch(request, new URL(request.url)),
    });

  const auth = serve(async (request, url) => {
    if (request.method !== "POST" || url.pathname !== "/admin/keys") return error(404, "not found");
    count(request, "/admin/keys");
    if (bearer(request) !== MASTER_KEY) return error(403, "Acesso não autorizado");
    const { name } = (await request.json()) as { name: string };
    const key = `tm_key_${crypto.randomUUID().replaceAll("-", "").padEnd(64, "0")}`;
    keys.add(key);
    return Response.json({ name, key }, { status: 201 });
  });

  const flag = serve(async (request, url) => {
    if (!authorized(request)) return error(401, "Chave de API inválida");
    const name = decodeURIComponent(url.pathname.replace(/^\/flags\/?/, ""));
    count(request, name ? "/flags/:name" : "/flags");
    if (request.method === "POST" && !name) {
      const body = (await request.json()) as { name: string; is_enabled: boolean };
      flags.set(body.name, { is_enabled: body.is_enabled, description: "" });
      return Response.json({ name: body.name }, { status: 201 });
    }
    const existing = flags.get(name);
    if (!existing) return error(404, "Flag não encontrada");
    if (request.method === "PUT") {
      Object.assign(existing, await request.json());
      return Response.json({ name, ...existing });
    }
    if (request.method === "DELETE") {
      flags.delete(name);
      return new Response(null, { status: 204 });
    }
    return error(405, "method not allowed");
  });

  const targeting = serve(async (request, url) => {
    if (!authorized(request)) return error(401, "Chave de API inválida");
    const name = decodeURIComponent(url.pathname.replace(/^\/rules\/?/, ""));
    count(request, name ? "/rules/:flag_name" : "/rules");
    if (request.method === "POST" && !name) {
      const body = (await request.json()) as { flag_name: string; rules: unknown };
      rules.set(body.flag_name, body.rules);
      return Response.json(body, { status: 201 });
    }
    if (!rules.has(name)) return error(404, "Regra não encontrada");
    if (request.method === "PUT") {
      rules.set(name, ((await request.json()) as { rules: unknown }).rules);
      return Response.json({ flag_name: name, rules: rules.get(name) });
    }
    if (request.method === "DELETE") {
      rules.delete(name);
      return new Response(null, { status: 204 });
    }
    return error(405, "method not allowed");
  });

  const evaluation = serve((request, url) => {
    if (request.method === "GET" && url.pathname === "/evaluate") {
      count(request, "/evaluate");
      evaluations += 1;
      if (options.failEveryEvaluate && evaluations % options.failEveryEvaluate === 0) {
        return error(500, "stand-in failure");
      }
      const userId = url.searchParams.get("user_id");
      const flagName = url.searchParams.get("flag_name");
      if (!userId || !flagName) return error(400, "user_id e flag_name são obrigatórios");
      const result = flags.get(flagName)?.is_enabled ?? false;
      return Response.json({ flag_name: flagName, user_id: userId, result });
    }
    if (request.method === "POST" && url.pathname === "/ofrep/v1/evaluate/flags") {
      count(request, "/ofrep/v1/evaluate/flags");
      if (!authorized(request)) return error(401, "Chave de API inválida");
      const list = [...flags].map(([key, value]) => ({
        key,
        value: value.is_enabled,
        reason: "STATIC",
      }));
      return Response.json({ flags: list });
    }
    return error(404, "not found");
  });

  return {
    env: {
      AUTH_URL: auth.url.origin,
      FLAG_URL: flag.url.origin,
      TARGETING_URL: targeting.url.origin,
      EVALUATION_URL: evaluation.url.origin,
      MASTER_KEY,
    },
    hits,
    flags,
    rules,
    stop: () => {
      for (const server of [auth, flag, targeting, evaluation]) server.stop(true);
    },
  };
}
