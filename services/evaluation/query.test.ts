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
      const url = withQuery ? `http://h/evaluate?${query}` : "http://h/evaluate";
      for (const name of ["user_id", "flag_name"]) {
        const expected = withQuery
          ? (new URLSearchParams(query).get(name) ?? undefined)
          : undefined;
        expect(queryParameter(url, name)).toBe(expected);
      }
    }),
    { numRuns: 5_000 },
  );
});
