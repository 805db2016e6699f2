/**
 * What one audit entry says in words: who made the change, what they did, and which fields
 * it set, altered or removed. Pure, so every history of the console reads alike.
 */
import type { Actor, HistoryEntry, JsonObject } from "../api.ts";
import { isJsonObject } from "../ui/json.ts";

/** What a history is of: each kind has its own words for its changes. */
export type Subject = "flag" | "rule" | "segment" | "key";

/** One field a change touched, its values as compact JSON; absent where there was none. */
export interface FieldChange {
  field: string;
  before?: string;
  after?: string;
}

/** Fields every record carries that say nothing about what changed. */
const BOOKKEEPING = new Set(["id", "created_at", "updated_at"]);

/**
 * The fields of each subject whose own fields read one by one (`rules.value`,
 * `variants.red`); every other value, JsonLogic included, reads whole, as JSON.
 */
const OPENED: Record<Subject, readonly string[]> = {
  flag: ["variants", "metadata"],
  rule: ["rules"],
  segment: [],
  key: [],
};

/** A record's fields, opened ones as dotted paths (an empty one has none), values as JSON. */
function fieldsOf(subject: Subject, record: JsonObject | null): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [key, value] of Object.entries(record ?? {})) {
    if (BOOKKEEPING.has(key)) continue;
    if (OPENED[subject].includes(key) && isJsonObject(value))
      for (const [name, child] of Object.entries(value))
        fields.set(`${key}.${name}`, JSON.stringify(child));
    else fields.set(key, JSON.stringify(value));
  }
  return fields;
}

/** The fields whose value differs between the two records, in the order the records list them. */
export function changesOf(
  subject: Subject,
  before: JsonObject | null,
  after: JsonObject | null,
): FieldChange[] {
  const old = fieldsOf(subject, before);
  const now = fieldsOf(subject, after);
  return [...new Set([...old.keys(), ...now.keys()])]
    .filter((field) => old.get(field) !== now.get(field))
    .map((field) => ({
      field,
      ...(old.has(field) && { before: old.get(field) }),
      ...(now.has(field) && { after: now.get(field) }),
    }));
}

/** Who made a change: an API key by name and id, or the master key. */
export const actorOf = (key: Actor) =>
  key.id === null ? key.name : `${key.name} (key #${key.id})`;

const switched = (entry: HistoryEntry, field: string) =>
  entry.before !== null && entry.after !== null && entry.before[field] !== entry.after[field]
    ? entry.after[field] === true
    : undefined;

const ACTIONS: Record<Exclude<HistoryEntry["action"], "updated">, string> = {
  created: "created",
  deleted: "deleted",
  imported: "imported",
  restored: "restored",
};

/** What the change did, as the rest of a sentence that starts with who made it. */
export function summaryOf(subject: Subject, entry: HistoryEntry): string {
  const { action } = entry;
  if (subject === "key") {
    const { id, name } = (entry.after ?? entry.before ?? {}) as { id?: number; name?: string };
    const key = `key ${name} (#${id})`;
    if (action === "updated")
      return `${switched(entry, "is_active") === false ? "revoked" : "changed"} ${key}`;
    return `${ACTIONS[action]} ${key}`;
  }
  if (subject === "rule" && action === "created") return "set the rule";
  if (action !== "updated") return `${ACTIONS[action]} the ${subject}`;
  const enabled = switched(entry, "is_enabled");
  if (subject === "flag" && enabled !== undefined)
    return `turned the flag ${enabled ? "on" : "off"}`;
  if (subject === "rule" && enabled !== undefined)
    return enabled ? "activated the rule" : "paused the rule";
  return `changed the ${subject}`;
}
