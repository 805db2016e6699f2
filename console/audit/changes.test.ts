import { expect, test } from "bun:test";
import type { HistoryEntry, JsonObject } from "../api.ts";
import { actorOf, changesOf, summaryOf } from "./changes.ts";

const times = {
  id: 3,
  created_at: "2026-12-02T17:00:00.000Z",
  updated_at: "2026-12-02T17:00:00.000Z",
};
const flag = (fields: JsonObject) => ({ ...times, name: "checkout", description: "", ...fields });
const entry = (
  action: HistoryEntry["action"],
  before: JsonObject | null,
  after: JsonObject | null,
): HistoryEntry => ({
  id: 1,
  at: "2026-12-02T17:00:00.000Z",
  key: { id: 2, name: "ci" },
  action,
  before,
  after,
});

test("only fields whose value changed are listed, bookkeeping fields never", () => {
  const before = flag({ is_enabled: false });
  const after = { ...flag({ is_enabled: true }), updated_at: "2026-12-02T18:00:00.000Z" };
  expect(changesOf("flag", before, after)).toEqual([
    { field: "is_enabled", before: "false", after: "true" },
  ]);
});

test("a created record lists what it was created with; a deleted one what it had", () => {
  expect(changesOf("flag", null, flag({ is_enabled: false }))).toEqual([
    { field: "name", after: '"checkout"' },
    { field: "description", after: '""' },
    { field: "is_enabled", after: "false" },
  ]);
  expect(
    changesOf("rule", { ...times, flag_name: "x", rules: { type: "PERCENTAGE", value: 30 } }, null),
  ).toEqual([
    { field: "flag_name", before: '"x"' },
    { field: "rules.type", before: '"PERCENTAGE"' },
    { field: "rules.value", before: "30" },
  ]);
});

test("a flag's variants and metadata and a rule's document read field by field, JsonLogic whole", () => {
  const before = flag({ variants: { red: "#f00", box: { w: 1 } }, metadata: {} });
  const after = flag({
    variants: { red: "#e00", blue: "#00f", box: { w: 2 } },
    metadata: { team: "web" },
  });
  expect(changesOf("flag", before, after)).toEqual([
    { field: "variants.red", before: '"#f00"', after: '"#e00"' },
    { field: "variants.box", before: '{"w":1}', after: '{"w":2}' },
    { field: "variants.blue", after: '"#00f"' },
    { field: "metadata.team", after: '"web"' },
  ]);
  const rule = (value: string) => ({
    rules: { type: "JSONLOGIC", targeting: { if: [true, value] } },
  });
  expect(changesOf("rule", rule("a"), rule("b"))).toEqual([
    { field: "rules.targeting", before: '{"if":[true,"a"]}', after: '{"if":[true,"b"]}' },
  ]);
  const segment = (definition: JsonObject) => ({ name: "s", definition });
  expect(changesOf("segment", segment({ "==": [1, 1] }), segment({ in: [1, [1]] }))).toEqual([
    { field: "definition", before: '{"==":[1,1]}', after: '{"in":[1,[1]]}' },
  ]);
});

test("a flag's changes read as what a person did", () => {
  expect(summaryOf("flag", entry("created", null, flag({})))).toBe("created the flag");
  expect(
    summaryOf("flag", entry("updated", flag({ is_enabled: true }), flag({ is_enabled: false }))),
  ).toBe("turned the flag off");
  expect(
    summaryOf("flag", entry("updated", flag({ is_enabled: false }), flag({ is_enabled: true }))),
  ).toBe("turned the flag on");
  expect(
    summaryOf("flag", entry("updated", flag({ description: "a" }), flag({ description: "b" }))),
  ).toBe("changed the flag");
  expect(summaryOf("flag", entry("imported", null, flag({})))).toBe("imported the flag");
  expect(summaryOf("flag", entry("deleted", flag({}), null))).toBe("deleted the flag");
});

test("a rule is set, paused, activated, changed and deleted", () => {
  const rule = (is_enabled: boolean, value = 30) => ({
    ...times,
    is_enabled,
    rules: { type: "PERCENTAGE", value },
  });
  expect(summaryOf("rule", entry("created", null, rule(true)))).toBe("set the rule");
  expect(summaryOf("rule", entry("updated", rule(true), rule(false)))).toBe("paused the rule");
  expect(summaryOf("rule", entry("updated", rule(false), rule(true)))).toBe("activated the rule");
  expect(summaryOf("rule", entry("updated", rule(true), rule(true, 40)))).toBe("changed the rule");
  expect(summaryOf("rule", entry("deleted", rule(true), null))).toBe("deleted the rule");
  expect(summaryOf("segment", entry("restored", null, { name: "s" }))).toBe("restored the segment");
});

test("a key is created and revoked, named with its id", () => {
  const key = (is_active: boolean) => ({ id: 5, name: "checkout-web", is_active, created_at: "" });
  expect(summaryOf("key", entry("created", null, key(true)))).toBe("created key checkout-web (#5)");
  expect(summaryOf("key", entry("updated", key(true), key(false)))).toBe(
    "revoked key checkout-web (#5)",
  );
});

test("a change names the key that made it by name and id; the master key has no id", () => {
  expect(actorOf({ id: 2, name: "ci" })).toBe("ci (key #2)");
  expect(actorOf({ id: null, name: "master key" })).toBe("master key");
});
