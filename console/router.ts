/**
 * Hash routes: the server only ever serves "/" and the hashed assets, so every page of the
 * console lives after the "#" and a reload or a shared link lands on the same page.
 */
export type Route =
  | { page: "flags"; search: string; state: StateFilter }
  | { page: "flag"; name: string }
  | { page: "keys" }
  | { page: "segments" }
  | { page: "segment"; name: string }
  | { page: "flagd" }
  | { page: "not-found"; hash: string };

export const STATE_FILTERS = ["all", "enabled", "disabled"] as const;
export type StateFilter = (typeof STATE_FILTERS)[number];

export function parseRoute(hash: string): Route {
  const [path = "", queryText = ""] = hash.replace(/^#/, "").split("?", 2);
  const segments = path.split("/").filter(Boolean);
  const query = new URLSearchParams(queryText);
  const [first, second, ...rest] = segments;
  if (first === undefined || (first === "flags" && second === undefined)) {
    const state = STATE_FILTERS.find((filter) => filter === query.get("state")) ?? "all";
    return { page: "flags", search: query.get("q") ?? "", state };
  }
  if (first === "flags" && second !== undefined && rest.length === 0)
    return { page: "flag", name: decodeURIComponent(second) };
  if (first === "keys" && second === undefined) return { page: "keys" };
  if (first === "segments" && second === undefined) return { page: "segments" };
  if (first === "flagd" && second === undefined) return { page: "flagd" };
  if (first === "segments" && second !== undefined && rest.length === 0)
    return { page: "segment", name: decodeURIComponent(second) };
  return { page: "not-found", hash };
}

export function flagsHref(search = "", state: StateFilter = "all"): string {
  const query = new URLSearchParams();
  if (search !== "") query.set("q", search);
  if (state !== "all") query.set("state", state);
  const text = query.toString();
  return text === "" ? "#/flags" : `#/flags?${text}`;
}

export const flagHref = (name: string) => `#/flags/${encodeURIComponent(name)}`;
export const KEYS_HREF = "#/keys";
export const SEGMENTS_HREF = "#/segments";
export const FLAGD_HREF = "#/flagd";
export const segmentHref = (name: string) => `#/segments/${encodeURIComponent(name)}`;
