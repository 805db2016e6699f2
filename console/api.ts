/**
 * The console's typed client of the platform's HTTP API. Every call goes through one table
 * of endpoints (service, method, path, credential), which the contract test compares with
 * each service's OpenAPI document, so a renamed route or field fails a test, not a user.
 */

export type ServiceName = "auth" | "flag" | "targeting" | "evaluation" | "analytics";

/** A JSON object, as variants of the object type, targeting and segments are. */
export type JsonObject = { [key: string]: unknown };

/** flagd's variant values: all of one type in a flag. */
export type VariantValue = boolean | string | number | JsonObject;
export type Variants = Record<string, VariantValue>;
/** flagd flag metadata: primitive values only. */
export type Metadata = Record<string, string | number | boolean>;

export interface Flag {
  id: number;
  name: string;
  description: string;
  is_enabled: boolean;
  created_at: string;
  updated_at: string;
  /** Present only on flags with variants or metadata; a v1 flag serves `on` (true) and `off` (false). */
  variants?: Variants | null;
  default_variant?: string | null;
  metadata?: Metadata;
}

/** What a flag's create or update may set besides its name. */
export interface FlagSettings {
  description?: string;
  is_enabled?: boolean;
  /** null makes a v1 flag (variants on/off). */
  variants?: Variants | null;
  default_variant?: string | null;
  metadata?: Metadata;
}

/** v1 rule documents, and flagd targeting (JsonLogic) for any flag. */
export type RuleDocument =
  | { type: "PERCENTAGE"; value: number }
  | { type: "USER_LIST"; values: string[] }
  | { type: "JSONLOGIC"; targeting: JsonObject };
export type RuleType = RuleDocument["type"];

export interface TargetingRule {
  id: number;
  flag_name: string;
  is_enabled: boolean;
  rules: RuleDocument;
  created_at: string;
  updated_at: string;
}

/** A flagd shared evaluator: targeting any rule can `$ref` by name. */
export interface Segment {
  id: number;
  name: string;
  definition: JsonObject;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface ApiKeySummary {
  id: number;
  name: string;
  is_active: boolean;
  created_at: string;
}

export interface CreatedKey {
  id: number;
  name: string;
  /** The clear key: the only time it is ever shown. */
  key: string;
  message: string;
}

/** The OFREP evaluation context: a targeting key and any attributes. */
export type EvaluationContext = { targetingKey?: string } & Record<string, unknown>;

/** An OFREP answer for one flag: a decision, or an error code with details. */
export interface Evaluation {
  key: string;
  value?: unknown;
  variant?: string;
  reason?: string;
  errorCode?: string;
  errorDetails?: string;
  metadata?: Record<string, unknown>;
}

export interface ResultCounts {
  true: number;
  false: number;
  /** Evaluations per variant, from servers that count them. */
  variants?: Record<string, number>;
}

export interface HourlyResults extends ResultCounts {
  /** Start of the hour, ISO 8601 UTC. */
  hour: string;
}

export interface FlagAnalytics {
  flag_name: string;
  hours: HourlyResults[];
  totals: ResultCounts;
}

/** Who made a change: an API key, or the master key (which has no id). */
export interface Actor {
  id: number | null;
  name: string;
}

export type AuditAction = "created" | "updated" | "deleted" | "imported" | "restored";

/** One recorded change: the record as the API showed it before and after (null: none). */
export interface HistoryEntry {
  id: number;
  at: string;
  key: Actor;
  action: AuditAction;
  before: JsonObject | null;
  after: JsonObject | null;
}

/** A page of a history, newest first. */
export interface HistoryPage {
  entries: HistoryEntry[];
  /** What to ask for as `before` to get the next (older) page; null on the last page. */
  next: number | null;
}

export type ImportResult = "created" | "updated" | "unchanged";

/** What a flagd import did, entry by entry, in the document's order. */
export interface ImportAnswer {
  flags: { key: string; result: ImportResult }[];
  segments: { key: string; result: ImportResult }[];
  metadata: "updated" | "unchanged";
}

type Credential = "api" | "master";

export interface Endpoint {
  service: ServiceName;
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** OpenAPI-style template: `{name}` is a path parameter. */
  path: string;
  credential: Credential;
}

export const ENDPOINTS = {
  validateKey: { service: "auth", method: "GET", path: "/validate", credential: "api" },
  listKeys: { service: "auth", method: "GET", path: "/admin/keys", credential: "master" },
  createKey: { service: "auth", method: "POST", path: "/admin/keys", credential: "master" },
  revokeKey: { service: "auth", method: "DELETE", path: "/admin/keys/{id}", credential: "master" },
  keysHistory: {
    service: "auth",
    method: "GET",
    path: "/admin/keys/history",
    credential: "master",
  },
  listFlags: { service: "flag", method: "GET", path: "/flags", credential: "api" },
  getFlag: { service: "flag", method: "GET", path: "/flags/{name}", credential: "api" },
  createFlag: { service: "flag", method: "POST", path: "/flags", credential: "api" },
  updateFlag: { service: "flag", method: "PUT", path: "/flags/{name}", credential: "api" },
  deleteFlag: { service: "flag", method: "DELETE", path: "/flags/{name}", credential: "api" },
  getRule: { service: "targeting", method: "GET", path: "/rules/{flag_name}", credential: "api" },
  createRule: { service: "targeting", method: "POST", path: "/rules", credential: "api" },
  updateRule: {
    service: "targeting",
    method: "PUT",
    path: "/rules/{flag_name}",
    credential: "api",
  },
  deleteRule: {
    service: "targeting",
    method: "DELETE",
    path: "/rules/{flag_name}",
    credential: "api",
  },
  evaluateFlag: {
    service: "evaluation",
    method: "POST",
    path: "/ofrep/v1/evaluate/flags/{key}",
    credential: "api",
  },
  flagAnalytics: {
    service: "analytics",
    method: "GET",
    path: "/analytics/flags/{name}",
    credential: "api",
  },
  flagHistory: { service: "flag", method: "GET", path: "/flags/{name}/history", credential: "api" },
  ruleHistory: {
    service: "targeting",
    method: "GET",
    path: "/rules/{flag_name}/history",
    credential: "api",
  },
  importFlagd: { service: "flag", method: "POST", path: "/flagd/import", credential: "api" },
  exportFlagd: { service: "flag", method: "GET", path: "/flagd/export", credential: "api" },
  listSegments: { service: "targeting", method: "GET", path: "/segments", credential: "api" },
  getSegment: { service: "targeting", method: "GET", path: "/segments/{name}", credential: "api" },
  createSegment: { service: "targeting", method: "POST", path: "/segments", credential: "api" },
  updateSegment: {
    service: "targeting",
    method: "PUT",
    path: "/segments/{name}",
    credential: "api",
  },
  deleteSegment: {
    service: "targeting",
    method: "DELETE",
    path: "/segments/{name}",
    credential: "api",
  },
  segmentHistory: {
    service: "targeting",
    method: "GET",
    path: "/segments/{name}/history",
    credential: "api",
  },
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof ENDPOINTS;

/** A failed call: the API's `{"error","code"}` body, or what went wrong on the way. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface Credentials {
  apiKey?: string;
  masterKey?: string;
}

/** The part of `fetch` the client uses, so a caller can wrap or record it. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface ApiOptions {
  /** Origin of the public entry point; "" is the page's own origin. */
  baseUrl?: string;
  credentials: () => Credentials;
  fetch?: Fetch;
  timeoutMs?: number;
}

export function fillPath(template: string, params: Record<string, string | number> = {}) {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: unknown; code?: unknown };
    if (typeof body.error === "string")
      return new ApiError(response.status, body.error, String(body.code ?? "ERROR"));
  } catch {}
  return new ApiError(response.status, `The server answered ${response.status}`, "HTTP_ERROR");
}

export function createApi({
  baseUrl = "",
  credentials,
  fetch: send = (url, init) => fetch(url, init),
  timeoutMs = 15_000,
}: ApiOptions) {
  interface Call {
    params?: Record<string, string | number>;
    query?: Record<string, string>;
    body?: object;
    /** Statuses whose body is an answer rather than an error (OFREP's evaluation errors). */
    answerStatuses?: number[];
  }

  async function call<T>(name: EndpointName, { params, query, body, answerStatuses }: Call = {}) {
    const endpoint: Endpoint = ENDPOINTS[name];
    const headers: Record<string, string> = {};
    const { apiKey, masterKey } = credentials();
    const secret = endpoint.credential === "master" ? masterKey : apiKey;
    if (!secret) throw new ApiError(401, "Sign in first", "NOT_SIGNED_IN");
    headers.authorization = `Bearer ${secret}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const search = query === undefined ? "" : `?${new URLSearchParams(query)}`;
    let response: Response;
    try {
      response = await send(`${baseUrl}${fillPath(endpoint.path, params)}${search}`, {
        method: endpoint.method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      throw new ApiError(
        0,
        timedOut ? "The server did not answer in time" : "Could not reach the server",
        timedOut ? "TIMEOUT" : "NETWORK",
      );
    }
    if (!response.ok && !answerStatuses?.includes(response.status)) throw await errorOf(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** `undefined` when the resource does not exist (404 with the given code). */
  const orMissing = async <T>(pending: Promise<T>, code: string): Promise<T | undefined> => {
    try {
      return await pending;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && error.code === code) return;
      throw error;
    }
  };

  /** The query of a history page: the entries before `before`, newest first. */
  const page = (before: number | undefined) =>
    before === undefined ? undefined : { before: String(before) };

  return {
    validateKey: () => call<{ message: string }>("validateKey"),

    listKeys: () => call<ApiKeySummary[]>("listKeys"),
    createKey: (name: string) => call<CreatedKey>("createKey", { body: { name } }),
    revokeKey: (id: number) => call<void>("revokeKey", { params: { id } }),
    keysHistory: (before?: number) => call<HistoryPage>("keysHistory", { query: page(before) }),

    listFlags: () => call<Flag[]>("listFlags"),
    getFlag: (name: string) =>
      orMissing(call<Flag>("getFlag", { params: { name } }), "FLAG_NOT_FOUND"),
    createFlag: (flag: FlagSettings & { name: string }) => call<Flag>("createFlag", { body: flag }),
    updateFlag: (name: string, changes: FlagSettings) =>
      call<Flag>("updateFlag", { params: { name }, body: changes }),
    deleteFlag: (name: string) => call<void>("deleteFlag", { params: { name } }),

    getRule: (flagName: string) =>
      orMissing(
        call<TargetingRule>("getRule", { params: { flag_name: flagName } }),
        "RULE_NOT_FOUND",
      ),
    createRule: (flagName: string, rules: RuleDocument, isEnabled = true) =>
      call<TargetingRule>("createRule", {
        body: { flag_name: flagName, rules, is_enabled: isEnabled },
      }),
    updateRule: (flagName: string, changes: { rules?: RuleDocument; is_enabled?: boolean }) =>
      call<TargetingRule>("updateRule", { params: { flag_name: flagName }, body: changes }),
    deleteRule: (flagName: string) => call<void>("deleteRule", { params: { flag_name: flagName } }),

    evaluateFlag: (key: string, context: EvaluationContext) =>
      call<Evaluation>("evaluateFlag", {
        params: { key },
        body: { context },
        answerStatuses: [400, 404, 500],
      }),

    flagAnalytics: (name: string) => call<FlagAnalytics>("flagAnalytics", { params: { name } }),

    flagHistory: (name: string, before?: number) =>
      call<HistoryPage>("flagHistory", { params: { name }, query: page(before) }),
    ruleHistory: (flagName: string, before?: number) =>
      call<HistoryPage>("ruleHistory", { params: { flag_name: flagName }, query: page(before) }),

    importFlagd: (document: JsonObject) => call<ImportAnswer>("importFlagd", { body: document }),
    exportFlagd: () => call<JsonObject>("exportFlagd"),

    listSegments: () => call<Segment[]>("listSegments"),
    getSegment: (name: string) =>
      orMissing(call<Segment>("getSegment", { params: { name } }), "SEGMENT_NOT_FOUND"),
    createSegment: (segment: { name: string; definition: JsonObject; description: string }) =>
      call<Segment>("createSegment", { body: segment }),
    updateSegment: (name: string, changes: { definition?: JsonObject; description?: string }) =>
      call<Segment>("updateSegment", { params: { name }, body: changes }),
    deleteSegment: (name: string) => call<void>("deleteSegment", { params: { name } }),
    segmentHistory: (name: string, before?: number) =>
      call<HistoryPage>("segmentHistory", { params: { name }, query: page(before) }),
  };
}

export type Api = ReturnType<typeof createApi>;
