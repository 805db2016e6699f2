/**
 * Microbenchmark of flag evaluation with compiled flagd targeting, beside v1's SHA-1
 * percentage bucket for scale: `bun services/shared/flagd/bench.ts`.
 * Each line is nanoseconds per evaluation over 1,024 rotating contexts.
 */
import { bucketOf } from "../../evaluation/bucket.ts";
import { checkDocument } from "./document.ts";
import { compileFlagSet } from "./resolve.ts";

const check = checkDocument({
  flags: {
    static: { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on" },
    rule: {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: {
        if: [
          {
            and: [
              { "==": [{ var: "country" }, "BR"] },
              { in: [{ var: "plan" }, ["pro", "team", "enterprise"]] },
              { starts_with: [{ var: "email" }, "qa-"] },
              { sem_ver: [{ var: "appVersion" }, ">=", "2.4.0"] },
              { ">=": [{ var: "age" }, 18] },
            ],
          },
          "on",
          "off",
        ],
      },
    },
    rollout: {
      state: "ENABLED",
      variants: { a: "A", b: "B", c: "C", d: "D" },
      defaultVariant: "a",
      targeting: {
        fractional: [
          ["a", 25],
          ["b", 25],
          ["c", 25],
          ["d", 25],
        ],
      },
    },
  },
});
if (!check.ok) throw new Error(JSON.stringify(check.problem));
const flags = compileFlagSet(check.document);

// Every context passes all five conditions: the rule's worst case.
const contexts = Array.from({ length: 1024 }, (_, index) => ({
  targetingKey: `user-${index}`,
  country: "BR",
  plan: index % 2 ? "pro" : "enterprise",
  email: `qa-${index}@example.com`,
  appVersion: `2.${4 + (index % 5)}.${index % 7}`,
  age: 18 + (index % 50),
}));

function measure(name: string, step: (index: number) => unknown) {
  const iterations = 2_000_000;
  let sink = 0;
  for (let index = 0; index < iterations / 10; index++) sink += step(index) === undefined ? 0 : 1;
  const started = performance.now();
  for (let index = 0; index < iterations; index++) sink += step(index) === undefined ? 0 : 1;
  const nanoseconds = ((performance.now() - started) * 1e6) / iterations;
  console.log(`${name.padEnd(56)} ${nanoseconds.toFixed(0).padStart(6)} ns/op  (${sink})`);
}

const contextOf = (index: number) => contexts[index & 1023] as (typeof contexts)[number];
const flag = (key: string) => {
  const compiled = flags.flags.get(key);
  if (compiled === undefined) throw new Error(key);
  return compiled;
};
const staticFlag = flag("static");
const ruleFlag = flag("rule");
const rolloutFlag = flag("rollout");

measure("v1 SHA-1 percentage bucket", (index) => bucketOf(contextOf(index).targetingKey, "rule"));
measure("static flag", (index) => staticFlag.evaluate(contextOf(index)).value);
measure(
  "five-condition rule (==, in, starts_with, sem_ver, >=)",
  (index) => ruleFlag.evaluate(contextOf(index)).value,
);
measure(
  "fractional, four buckets, flagKey + targetingKey",
  (index) => rolloutFlag.evaluate(contextOf(index)).value,
);
measure(
  "flag set lookup + five-condition rule",
  (index) => flags.evaluate("rule", contextOf(index)).value,
);
