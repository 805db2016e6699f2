import { expect, test } from "bun:test";
import { FLAGD_HREF, flagHref, flagsHref, parseRoute, segmentHref } from "./router.ts";

test("no hash, #/ and #/flags are the flag list", () => {
  for (const hash of ["", "#", "#/", "#/flags", "#/flags/"])
    expect(parseRoute(hash)).toEqual({ page: "flags", search: "", state: "all" });
});

test("the list's search and state filter travel in the hash", () => {
  expect(parseRoute(flagsHref("new dash", "enabled"))).toEqual({
    page: "flags",
    search: "new dash",
    state: "enabled",
  });
  expect(parseRoute("#/flags?state=bogus")).toMatchObject({ state: "all" });
  expect(flagsHref()).toBe("#/flags");
});

test("a flag page round-trips every character a flag name may have", () => {
  const name = "team:checkout.v2_new-flow";
  expect(parseRoute(flagHref(name))).toEqual({ page: "flag", name });
});

test("segments are listed at #/segments, each on a page of its own", () => {
  expect(parseRoute("#/segments")).toEqual({ page: "segments" });
  expect(parseRoute(segmentHref("beta:testers.eu"))).toEqual({
    page: "segment",
    name: "beta:testers.eu",
  });
  expect(parseRoute("#/segments/a/b")).toMatchObject({ page: "not-found" });
});

test("the keys page, the flagd page, and anything else is not found", () => {
  expect(parseRoute("#/keys")).toEqual({ page: "keys" });
  expect(parseRoute(FLAGD_HREF)).toEqual({ page: "flagd" });
  expect(parseRoute("#/flagd/x")).toMatchObject({ page: "not-found" });
  expect(parseRoute("#/flags/a/b")).toEqual({ page: "not-found", hash: "#/flags/a/b" });
  expect(parseRoute("#/nope")).toMatchObject({ page: "not-found" });
});
