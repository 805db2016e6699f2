import { expect, test } from "bun:test";
import { parseChangeNotice } from "./changes.ts";

test.each([
  { kind: "flag", name: "f", action: "created" },
  { kind: "rule", name: "f", action: "updated" },
  { kind: "segment", name: "s", action: "deleted" },
])("a %j notice is read", (notice) => {
  expect(parseChangeNotice(JSON.stringify(notice))).toEqual(notice as never);
});

test.each([
  ["an unknown kind", '{"kind":"audit","name":"f","action":"created"}'],
  ["no name", '{"kind":"segment","action":"created"}'],
  ["not JSON", "segment:s"],
])("a notice with %s is ignored", (_, message) => {
  expect(parseChangeNotice(message)).toBeUndefined();
});
