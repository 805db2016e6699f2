/**
 * flagd's conformance scenarios, run in process against the compiled flags: the evaluator
 * suite (evaluator/gherkin against evaluator/flags/testkit-flags.json) and the provider suite
 * (gherkin/ against the flags/ files merged into one document). Scenarios about providers
 * rather than evaluation are skipped with their reason, and the counts are printed.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkDocument, type VariantKind } from "./document.ts";
import { readFeature } from "./gherkin.ts";
import { type CompiledFlagSet, compileFlagSet, requireKind } from "./resolve.ts";
import {
  checkDetails,
  type EvaluationCase,
  type FlagSource,
  mergedDocument,
  planScenario,
  type ValueType,
} from "./testbed.ts";

/** The testbed lives beside the repository: <repo root>/../shared/compat/flagd-testbed. */
const TESTBED = join(import.meta.dir, "..", "..", "..", "..", "shared", "compat", "flagd-testbed");

const readJson = (...path: string[]): unknown =>
  JSON.parse(readFileSync(join(TESTBED, ...path), "utf8"));
const flagFiles = Object.fromEntries(
  readdirSync(join(TESTBED, "flags"))
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => [name, readJson("flags", name)]),
);

function compileSource(source: FlagSource): CompiledFlagSet {
  const document =
    source === "testkit"
      ? readJson("evaluator", "flags", "testkit-flags.json")
      : source === "merged"
        ? mergedDocument(flagFiles)
        : flagFiles[source];
  const check = checkDocument(document);
  if (!check.ok) throw new Error(`${source}: ${JSON.stringify(check.problem)}`);
  return compileFlagSet(check.document);
}

const sources = new Map<FlagSource, CompiledFlagSet>();
const sourceOf = (name: FlagSource) => {
  const compiled = sources.get(name) ?? compileSource(name);
  sources.set(name, compiled);
  return compiled;
};

const KINDS: Record<ValueType, VariantKind> = {
  Boolean: "boolean",
  String: "string",
  Integer: "number",
  Float: "number",
  Object: "object",
};

/** Evaluates a case as an OpenFeature client reports it: the fallback stands in for no value. */
function run(evaluation: EvaluationCase) {
  const resolution = requireKind(
    sourceOf(evaluation.source).evaluate(evaluation.flagKey, evaluation.context),
    KINDS[evaluation.type],
  );
  return checkDetails(evaluation, {
    ...resolution,
    value: resolution.value ?? evaluation.fallback,
  });
}

const counts = { passed: 0, skipped: new Map<string, number>() };

const suites: [folder: string, source: FlagSource][] = [
  [join("evaluator", "gherkin"), "testkit"],
  ["gherkin", "merged"],
];

for (const [folder, source] of suites) {
  for (const file of readdirSync(join(TESTBED, folder)).sort()) {
    if (!file.endsWith(".feature")) continue;
    describe(`${folder}/${file}`, () => {
      for (const scenario of readFeature(readFileSync(join(TESTBED, folder, file), "utf8"))) {
        const name = `${scenario.name} ${JSON.stringify(scenario.example ?? {})}`;
        const plan = planScenario(scenario, source);
        if ("skip" in plan) {
          counts.skipped.set(plan.skip, (counts.skipped.get(plan.skip) ?? 0) + 1);
          test.skip(`${name} — ${plan.skip}`, () => {});
          continue;
        }
        test(name, () => {
          expect(run(plan.case)).toEqual([]);
          counts.passed++;
        });
      }
    });
  }
}

test("every testbed flag file is a valid document on its own or merged", () => {
  for (const [name, document] of Object.entries(flagFiles)) {
    // zero-flags.json refers to an evaluator only evaluator-refs.json defines: still valid.
    expect([name, checkDocument(document).ok]).toEqual([name, true]);
  }
  expect(checkDocument(mergedDocument(flagFiles)).ok).toBe(true);
});

test("no scenario is skipped for a step this runner does not understand", () => {
  const unsupported = [...counts.skipped.keys()].filter((reason) =>
    reason.startsWith("unsupported step"),
  );
  expect(unsupported).toEqual([]);
});

afterAll(() => {
  const skipped = [...counts.skipped.values()].reduce((total, count) => total + count, 0);
  const reasons = [...counts.skipped].map(([reason, count]) => `  ${count} × ${reason}`);
  console.log(
    [`flagd testbed scenarios — passed: ${counts.passed}, skipped: ${skipped}`, ...reasons].join(
      "\n",
    ),
  );
});
