/**
 * flagd's conformance scenarios, run in process against the compiled flags: the evaluator
 * suite (evaluator/gherkin against evaluator/flags/testkit-flags.json) and the provider suite
 * (gherkin/ against the flags/ files merged into one document). Scenarios about providers
 * rather than evaluation are skipped with their reason, and the counts are printed.
 */
import { afterAll, describe, expect, test } from "bun:test";
import {
  TESTBED_SUITES,
  testbedDocument,
  testbedFeatures,
  testbedFlagFiles,
} from "../../../test/support/flagd-testbed.ts";
import { checkDocument, type VariantKind } from "./document.ts";
import { type CompiledFlagSet, compileFlagSet, requireKind } from "./resolve.ts";
import {
  checkDetails,
  type EvaluationCase,
  type FlagSource,
  planScenario,
  type ValueType,
} from "./testbed.ts";

function compileSource(source: FlagSource): CompiledFlagSet {
  const check = checkDocument(testbedDocument(source));
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

for (const [folder, source] of TESTBED_SUITES) {
  for (const { file, scenarios } of testbedFeatures(folder)) {
    describe(`${folder}/${file}`, () => {
      for (const scenario of scenarios) {
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
  for (const [name, document] of Object.entries(testbedFlagFiles)) {
    // zero-flags.json refers to an evaluator only evaluator-refs.json defines: still valid.
    expect([name, checkDocument(document).ok]).toEqual([name, true]);
  }
  expect(checkDocument(testbedDocument("merged")).ok).toBe(true);
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
