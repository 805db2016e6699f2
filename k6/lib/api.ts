// The platform's routes as k6 calls them. Every request carries a `route` tag (thresholds and
// the per-stage numbers group by it) and a fixed `name` tag, so URLs with ids and query
// strings do not become thousands of separate series.

import http, { type RefinedResponse, type ResponseType } from "k6/http";
import type { Route, ServiceUrls } from "./settings.ts";

type Response = RefinedResponse<ResponseType | undefined>;

/** Requests made to prepare or clean up a run, kept out of the measured routes. */
const SETUP_ROUTE = "setup";

function params(name: string, route: Route | typeof SETUP_ROUTE, bearer?: string) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  return { headers, tags: { name, route }, timeout: "10s" };
}

export function createApiKey(urls: ServiceUrls, masterKey: string, name: string): Response {
  return http.post(
    `${urls.auth}/admin/keys`,
    JSON.stringify({ name }),
    params("POST /admin/keys", SETUP_ROUTE, masterKey),
  );
}

export function createFlag(urls: ServiceUrls, apiKey: string, name: string): Response {
  const body = { name, description: "created by a load test", is_enabled: true };
  return http.post(
    `${urls.flag}/flags`,
    JSON.stringify(body),
    params("POST /flags", SETUP_ROUTE, apiKey),
  );
}

export function createRule(urls: ServiceUrls, apiKey: string, flagName: string): Response {
  const body = { flag_name: flagName, rules: { type: "PERCENTAGE", value: 50 } };
  return http.post(
    `${urls.targeting}/rules`,
    JSON.stringify(body),
    params("POST /rules", SETUP_ROUTE, apiKey),
  );
}

export function deleteRule(urls: ServiceUrls, apiKey: string, flagName: string): Response {
  return http.del(
    `${urls.targeting}/rules/${encodeURIComponent(flagName)}`,
    null,
    params("DELETE /rules/:flag_name", SETUP_ROUTE, apiKey),
  );
}

export function deleteFlag(urls: ServiceUrls, apiKey: string, flagName: string): Response {
  return http.del(
    `${urls.flag}/flags/${encodeURIComponent(flagName)}`,
    null,
    params("DELETE /flags/:name", SETUP_ROUTE, apiKey),
  );
}

export function evaluate(urls: ServiceUrls, userId: string, flagName: string): Response {
  const query = `user_id=${encodeURIComponent(userId)}&flag_name=${encodeURIComponent(flagName)}`;
  return http.get(`${urls.evaluation}/evaluate?${query}`, params("GET /evaluate", "evaluate"));
}

export function evaluateAllOfrep(urls: ServiceUrls, apiKey: string, userId: string): Response {
  return http.post(
    `${urls.evaluation}/ofrep/v1/evaluate/flags`,
    JSON.stringify({ context: { targetingKey: userId } }),
    params("POST /ofrep/v1/evaluate/flags", "ofrep", apiKey),
  );
}

export function updateFlagDescription(
  urls: ServiceUrls,
  apiKey: string,
  flagName: string,
  description: string,
): Response {
  return http.put(
    `${urls.flag}/flags/${encodeURIComponent(flagName)}`,
    JSON.stringify({ description }),
    params("PUT /flags/:name", "management", apiKey),
  );
}

/** Rewrites the rule with the value it already has: the write still invalidates caches. */
export function rewriteRule(urls: ServiceUrls, apiKey: string, flagName: string): Response {
  return http.put(
    `${urls.targeting}/rules/${encodeURIComponent(flagName)}`,
    JSON.stringify({ rules: { type: "PERCENTAGE", value: 50 } }),
    params("PUT /rules/:flag_name", "management", apiKey),
  );
}

/** A field of a JSON body, or undefined when the body is not JSON. */
export function jsonField(response: Response, field: string): unknown {
  try {
    return response.json(field);
  } catch {
    return undefined;
  }
}
