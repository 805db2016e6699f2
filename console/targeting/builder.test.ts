import { expect, test } from "bun:test";
import { compileTargeting } from "../../services/shared/flagd/targeting.ts";
import {
  type Condition,
  type ConditionsDraft,
  conditionsTargeting,
  emptyCondition,
  splitTargeting,
} from "./builder.ts";

const condition = (changes: Partial<Condition>): Condition => ({ ...emptyCondition(), ...changes });
const draft = (
  conditions: Condition[],
  changes: Partial<ConditionsDraft> = {},
): ConditionsDraft => ({
  join: "and",
  conditions,
  variant: "ocean",
  otherwise: "",
  ...changes,
});

test("one condition serves its variant, and null (the default) to everyone else", () => {
  expect(conditionsTargeting(draft([condition({ attribute: " country ", value: "BR" })]))).toEqual({
    ok: true,
    targeting: { if: [{ "==": [{ var: "country" }, "BR"] }, "ocean", null] },
  });
});

test("each test writes flagd's operation; several conditions join with and or or", () => {
  const built = conditionsTargeting(
    draft(
      [
        condition({ attribute: "plan", test: "one_of", value: "pro, team ,, " }),
        condition({ attribute: "email", test: "ends_with", value: "@example.com" }),
        condition({ attribute: "email", test: "starts_with", value: "qa+" }),
        condition({ attribute: "app", test: "sem_ver", comparison: "^", value: " 2.1.0 " }),
      ],
      { join: "or", otherwise: "classic" },
    ),
  );
  expect(built).toEqual({
    ok: true,
    targeting: {
      if: [
        {
          or: [
            { in: [{ var: "plan" }, ["pro", "team"]] },
            { ends_with: [{ var: "email" }, "@example.com"] },
            { starts_with: [{ var: "email" }, "qa+"] },
            { sem_ver: [{ var: "app" }, "^", "2.1.0"] },
          ],
        },
        "ocean",
        "classic",
      ],
    },
  });
});

test("what is written decides as meant when flagd's evaluation runs it", () => {
  const built = conditionsTargeting(
    draft(
      [
        condition({ attribute: "country", test: "one_of", value: "BR, PT" }),
        condition({ attribute: "version", test: "sem_ver", comparison: ">=", value: "2.0.0" }),
      ],
      { join: "and" },
    ),
  );
  if (!built.ok) throw new Error(built.problem);
  const compiled = compileTargeting(built.targeting, { flagKey: "theme" });
  if (!compiled.ok) throw new Error(compiled.problem);
  const decide = (context: Record<string, unknown>) => compiled.evaluate(context);
  expect(decide({ country: "BR", version: "2.3.1" })).toBe("ocean");
  expect(decide({ country: "BR", version: "1.9.0" })).toBeNull();
  expect(decide({ country: "US", version: "2.3.1" })).toBeNull();
});

test("a condition without an attribute or a value, or no variant, is named", () => {
  expect(conditionsTargeting(draft([]))).toEqual({ ok: false, problem: "Add a condition." });
  expect(conditionsTargeting(draft([condition({ value: "x" })]))).toEqual({
    ok: false,
    problem: "Name the attribute of condition 1.",
  });
  expect(
    conditionsTargeting(
      draft([
        condition({ attribute: "a", value: "x" }),
        condition({ attribute: "b", test: "one_of", value: " , " }),
      ]),
    ),
  ).toEqual({ ok: false, problem: "Give condition 2 a value to compare with." });
  expect(
    conditionsTargeting(draft([condition({ attribute: "a", value: "x" })], { variant: "" })),
  ).toEqual({
    ok: false,
    problem: "Choose the variant users who match get.",
  });
});

test("a split by weight sends each user to one share, in about its proportion", () => {
  const built = splitTargeting([
    { variant: "classic", weight: "70" },
    { variant: "ocean", weight: "30" },
  ]);
  if (!built.ok) throw new Error(built.problem);
  const compiled = compileTargeting(built.targeting, { flagKey: "theme" });
  if (!compiled.ok) throw new Error(compiled.problem);
  const served = Array.from({ length: 2_000 }, (_, user) =>
    compiled.evaluate({ targetingKey: `user-${user}` }),
  );
  const ocean = served.filter((variant) => variant === "ocean").length;
  expect(new Set(served)).toEqual(new Set(["classic", "ocean"]));
  expect(ocean / served.length).toBeGreaterThan(0.25);
  expect(ocean / served.length).toBeLessThan(0.35);
});

test("a split by weight is flagd's fractional, and its shares are checked", () => {
  expect(
    splitTargeting([
      { variant: "classic", weight: "70" },
      { variant: "ocean", weight: "30" },
    ]),
  ).toEqual({
    ok: true,
    targeting: {
      fractional: [
        ["classic", 70],
        ["ocean", 30],
      ],
    },
  });
  expect(splitTargeting([{ variant: "a", weight: "1" }])).toMatchObject({ ok: false });
  expect(
    splitTargeting([
      { variant: "a", weight: "1.5" },
      { variant: "b", weight: "1" },
    ]),
  ).toEqual({ ok: false, problem: "The weight of share 1 must be a whole number, 0 or more." });
  expect(
    splitTargeting([
      { variant: "a", weight: "1" },
      { variant: "a", weight: "1" },
    ]),
  ).toEqual({ ok: false, problem: "a has two shares: give it one." });
  expect(
    splitTargeting([
      { variant: "a", weight: "0" },
      { variant: "b", weight: "0" },
    ]),
  ).toEqual({ ok: false, problem: "At least one weight must be above 0." });
});
