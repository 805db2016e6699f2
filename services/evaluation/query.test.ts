import { expect, test } from "bun:test";
import fc from "fast-check";
import { evaluateQuery } from "./app.ts";

test("reads user_id and flag_name exactly as URLSearchParams does", () => {
  const part = fc.oneof(
    fc.constantFrom(
      "user_id",
      "flag_name",
      "x",
      "",
      "=",
      "&",
      "%",
      "%2",
      "%41",
      "+",
      "#",
      "user%5Fid",
    ),
    fc.string({ maxLength: 6 }),
  );
  fc.assert(
    fc.property(fc.array(part, { maxLength: 8 }), fc.boolean(), (parts, withQuery) => {
      const query = parts.join("").replaceAll("#", "");
      // The URL as a request carries it: parsed and serialised, so a second "?" stays in the
      // query (URLSearchParams given the query alone would strip it).
      const url = new URL(withQuery ? `http://h/evaluate?${query}` : "http://h/evaluate");
      expect(evaluateQuery(url.href)).toEqual({
        userId: url.searchParams.get("user_id") ?? undefined,
        flagName: url.searchParams.get("flag_name") ?? undefined,
      });
    }),
    { numRuns: 5_000 },
  );
});

test("a second question mark belongs to the first name, escaped or not", () => {
  expect(evaluateQuery("http://h/evaluate??user_id=u&flag_name=f")).toEqual({ flagName: "f" });
  expect(evaluateQuery("http://h/evaluate??user%5Fid=u&flag_name=f")).toEqual({ flagName: "f" });
  expect(evaluateQuery("http://h/evaluate?user%5Fid=u").userId).toBe("u");
  expect(evaluateQuery("http://h/evaluate?flag_name=a&flag_name=b&user_id=")).toEqual({
    userId: "",
    flagName: "a",
  });
});
