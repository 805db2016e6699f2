import { expect, test } from "bun:test";
import type { Flag } from "../api.ts";
import { matchesFilter } from "./flag-filter.ts";

const flag = (name: string, description: string, is_enabled: boolean): Flag => ({
  id: 1,
  name,
  description,
  is_enabled,
  created_at: "",
  updated_at: "",
});

test("the search looks in the name and the description, whatever the case", () => {
  const checkout = flag("new-checkout", "Faster Payment page", true);
  expect(matchesFilter(checkout, "CHECKOUT", "all")).toBe(true);
  expect(matchesFilter(checkout, " payment ", "all")).toBe(true);
  expect(matchesFilter(checkout, "dashboard", "all")).toBe(false);
});

test("the state filter keeps flags that are on or off", () => {
  const on = flag("a", "", true);
  const off = flag("b", "", false);
  expect([on, off].filter((f) => matchesFilter(f, "", "enabled"))).toEqual([on]);
  expect([on, off].filter((f) => matchesFilter(f, "", "disabled"))).toEqual([off]);
  expect([on, off].filter((f) => matchesFilter(f, "", "all"))).toEqual([on, off]);
});
