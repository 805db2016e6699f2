import { expect, test } from "bun:test";
import fc from "fast-check";
import { queryParameter } from "./app.ts";

test("reads a query parameter exactly as URLSearchParams does", () => {
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
      for (const name of ["user_id", "flag_name"]) {
        const expected = url.searchParams.get(name) ?? undefined;
        expect(queryParameter(url.href, name)).toBe(expected);
      }
    }),
    { numRuns: 5_000 },
  );
});

test("a second question mark belongs to the first name, escaped or not", () => {
  expect(queryParameter("http://h/evaluate??user_id=u&flag_name=f", "user_id")).toBeUndefined();
  expect(queryParameter("http://h/evaluate??user%5Fid=u&flag_name=f", "user_id")).toBeUndefined();
  expect(queryParameter("http://h/evaluate??user%5Fid=u&flag_name=f", "flag_name")).toBe("f");
  expect(queryParameter("http://h/evaluate?user%5Fid=u", "user_id")).toBe("u");
});
