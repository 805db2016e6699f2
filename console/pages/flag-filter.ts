import type { Flag } from "../api.ts";
import type { StateFilter } from "../router.ts";

/** Whether a flag is listed: its state fits and its name or description contains the search. */
export function matchesFilter(flag: Flag, search: string, state: StateFilter): boolean {
  const needle = search.trim().toLowerCase();
  const text = `${flag.name} ${flag.description}`.toLowerCase();
  const stateMatches = state === "all" || flag.is_enabled === (state === "enabled");
  return stateMatches && (needle === "" || text.includes(needle));
}
