/**
 * The console's client against the platform's own description of itself: every call the
 * client makes, through the gateway to the real services, must be a route the service it
 * reaches documents in its OpenAPI document, with only documented body fields.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { serviceFor, startGateway } from "../scripts/gateway.ts";
import { SERVICE_NAMES, type ServiceName } from "../services/shared/topology.ts";
import { MASTER_KEY, startStack } from "../test/support/stack.ts";
import { createApi, ENDPOINTS, type Endpoint, type EndpointName, type Fetch } from "./api.ts";

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}
type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

interface SentRequest {
  method: string;
  path: string;
  bodyFields: string[];
  queryFields: string[];
  status: number;
  code?: string;
}

let stack: Awaited<ReturnType<typeof startStack>>;
let gateway: ReturnType<typeof startGateway>;
const documents = {} as Record<ServiceName, OpenApiDocument>;
const sent: SentRequest[] = [];

const templatePattern = (template: string) =>
  new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`);

const endpointOf = (request: SentRequest) =>
  (Object.entries(ENDPOINTS) as [EndpointName, Endpoint][]).find(
    ([, endpoint]) =>
      endpoint.method === request.method && templatePattern(endpoint.path).test(request.path),
  );

/** Calls every function of the client, as the console does, recording what went out. */
async function exerciseClient() {
  const record: Fetch = async (url, init) => {
    const response = await fetch(url, init);
    const body = await response.clone().text();
    sent.push({
      method: init.method ?? "GET",
      path: new URL(url).pathname,
      bodyFields: typeof init.body === "string" ? Object.keys(JSON.parse(init.body)) : [],
      queryFields: [...new URL(url).searchParams.keys()],
      status: response.status,
      code: body.startsWith("{") ? JSON.parse(body).code : undefined,
    });
    return response;
  };
  const { key } = await stack.createKey("contract");
  const api = createApi({
    baseUrl: gateway.url,
    credentials: () => ({ apiKey: key, masterKey: MASTER_KEY }),
    fetch: record,
  });
  // A refused call is recorded and the next one still made, so the tests below name every
  // route that drifted rather than stopping at the first.
  const attempt = <T>(call: () => Promise<T>) => call().catch(() => undefined);
  const flag = "contract-flag";
  const segment = "contract-segment";
  await attempt(() => api.validateKey());
  const created = await attempt(() => api.createKey("contract-key"));
  await attempt(() => api.listKeys());
  await attempt(() => api.revokeKey(created?.id ?? 1));
  const keyChanges = await attempt(() => api.keysHistory());
  await attempt(() => api.keysHistory(keyChanges?.entries[0]?.id ?? 1));
  await attempt(() => api.createFlag({ name: flag, description: "", is_enabled: true }));
  await attempt(() => api.listFlags());
  await attempt(() => api.getFlag(flag));
  await attempt(() => api.updateFlag(flag, { description: "checked", is_enabled: false }));
  await attempt(() =>
    api.updateFlag(flag, {
      variants: { blue: "#00f", red: "#f00" },
      default_variant: "blue",
      metadata: { team: "web" },
    }),
  );
  await attempt(() =>
    api.createSegment({ name: segment, definition: { "==": [1, 1] }, description: "" }),
  );
  await attempt(() => api.listSegments());
  await attempt(() => api.getSegment(segment));
  await attempt(() =>
    api.updateSegment(segment, { definition: { "==": [2, 2] }, description: "two" }),
  );
  await attempt(() => api.createRule(flag, { type: "PERCENTAGE", value: 10 }));
  await attempt(() => api.getRule(flag));
  await attempt(() =>
    api.updateRule(flag, { rules: { type: "USER_LIST", values: ["u1"] }, is_enabled: false }),
  );
  await attempt(() =>
    api.updateRule(flag, {
      rules: { type: "JSONLOGIC", targeting: { if: [{ $ref: segment }, "red", null] } },
    }),
  );
  await attempt(() => api.evaluateFlag(flag, { targetingKey: "u1", plan: "pro" }));
  await attempt(() => api.flagAnalytics(flag));
  const flagChanges = await attempt(() => api.flagHistory(flag));
  await attempt(() => api.flagHistory(flag, flagChanges?.entries[0]?.id ?? 1));
  await attempt(() => api.ruleHistory(flag));
  await attempt(() => api.segmentHistory(segment));
  await attempt(() =>
    api.importFlagd({
      flags: { [flag]: { state: "ENABLED", variants: { on: true }, defaultVariant: "on" } },
      $evaluators: { [segment]: { "==": [1, 1] } },
    }),
  );
  await attempt(() => api.exportFlagd());
  await attempt(() => api.deleteRule(flag));
  await attempt(() => api.deleteFlag(flag));
  await attempt(() => api.deleteSegment(segment));
}

beforeAll(async () => {
  stack = await startStack();
  const upstreams = Object.fromEntries(SERVICE_NAMES.map((name) => [name, stack.url(name)]));
  gateway = startGateway({ upstreams: upstreams as Record<ServiceName, string> });
  for (const service of SERVICE_NAMES)
    documents[service] = (await (
      await fetch(`${stack.url(service)}/openapi`)
    ).json()) as OpenApiDocument;
  await exerciseClient();
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await stack?.stop();
});

test("every call the client made is one of its endpoints and succeeded", () => {
  for (const request of sent) {
    const [name] = endpointOf(request) ?? [];
    const succeeded = request.status < 400;
    expect({ ...request, endpoint: name, succeeded }).toMatchObject({
      endpoint: expect.any(String),
      succeeded: true,
    });
  }
});

test("the client was exercised on every endpoint it has", () => {
  const called = new Set(sent.map((request) => endpointOf(request)?.[0]));
  for (const name of Object.keys(ENDPOINTS) as EndpointName[])
    expect({ name, called: called.has(name) }).toEqual({ name, called: true });
});

test("each endpoint goes, through the public routes, to a service that documents it", () => {
  for (const [name, endpoint] of Object.entries(ENDPOINTS) as [EndpointName, Endpoint][]) {
    const path = endpoint.path.replace(/\{\w+\}/g, "x");
    expect({ name, service: serviceFor(path) }).toEqual({ name, service: endpoint.service });
    const documented =
      documents[endpoint.service].paths[endpoint.path]?.[endpoint.method.toLowerCase()];
    expect({
      name,
      route: `${endpoint.method} ${endpoint.path}`,
      documented: documented !== undefined,
    }).toEqual({
      name,
      route: `${endpoint.method} ${endpoint.path}`,
      documented: true,
    });
  }
});

test("every body field the client sends is in the documented request schema", () => {
  for (const request of sent.filter((candidate) => candidate.bodyFields.length > 0)) {
    const [name, endpoint] = endpointOf(request) ?? [];
    if (name === undefined || endpoint === undefined)
      throw new Error(`unknown call ${request.path}`);
    const operation =
      documents[endpoint.service].paths[endpoint.path]?.[endpoint.method.toLowerCase()];
    const schema = operation?.requestBody?.content?.["application/json"]?.schema;
    const documented = Object.keys(schema?.properties ?? {});
    expect({
      route: `${endpoint.method} ${endpoint.path}`,
      documentsBody: schema !== undefined,
      undocumented: request.bodyFields.filter((field) => !documented.includes(field)),
    }).toEqual({
      route: `${endpoint.method} ${endpoint.path}`,
      documentsBody: true,
      undocumented: [],
    });
  }
});

test("every query parameter the client sends is documented", () => {
  const withQuery = sent.filter((request) => request.queryFields.length > 0);
  expect(withQuery.length).toBeGreaterThan(0);
  for (const request of withQuery) {
    const [, endpoint] = endpointOf(request) ?? [];
    if (endpoint === undefined) throw new Error(`unknown call ${request.path}`);
    const operation =
      documents[endpoint.service].paths[endpoint.path]?.[endpoint.method.toLowerCase()];
    const documented = (operation?.parameters ?? [])
      .filter((parameter) => parameter.in === "query")
      .map((parameter) => parameter.name);
    expect({
      route: `${endpoint.method} ${endpoint.path}`,
      undocumented: request.queryFields.filter((field) => !documented.includes(field)),
    }).toEqual({ route: `${endpoint.method} ${endpoint.path}`, undocumented: [] });
  }
});
