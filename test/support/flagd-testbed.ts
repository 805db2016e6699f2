/**
 * The OpenFeature flagd testbed, read for tests. It lives beside the repository, in
 * <repo root>/../shared/compat/flagd-testbed, and is never copied into it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type GherkinScenario, readFeature } from "@togglemaster/shared/flagd/gherkin";
import { type FlagSource, mergedDocument } from "@togglemaster/shared/flagd/testbed";

const TESTBED = join(import.meta.dir, "..", "..", "..", "shared", "compat", "flagd-testbed");

const readJson = (...path: string[]): unknown =>
  JSON.parse(readFileSync(join(TESTBED, ...path), "utf8"));

/** Every flag file of `flags/`, by file name. */
export const testbedFlagFiles: Readonly<Record<string, unknown>> = Object.fromEntries(
  readdirSync(join(TESTBED, "flags"))
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => [name, readJson("flags", name)]),
);

/**
 * The document a flag source stands for: the evaluator suite's testkit, the flag files merged
 * into one, or one flag file on its own.
 */
export function testbedDocument(source: FlagSource): Record<string, unknown> {
  if (source === "merged") return mergedDocument(testbedFlagFiles);
  const document =
    source === "testkit"
      ? readJson("evaluator", "flags", "testkit-flags.json")
      : testbedFlagFiles[source];
  return document as Record<string, unknown>;
}

/** The suites of scenarios and the flag source each runs against. */
export const TESTBED_SUITES: readonly (readonly [folder: string, source: FlagSource])[] = [
  [join("evaluator", "gherkin"), "testkit"],
  ["gherkin", "merged"],
];

/** Every feature file of a suite's folder, by name, with its scenarios. */
export function testbedFeatures(folder: string): { file: string; scenarios: GherkinScenario[] }[] {
  return readdirSync(join(TESTBED, folder))
    .filter((file) => file.endsWith(".feature"))
    .sort()
    .map((file) => ({
      file,
      scenarios: readFeature(readFileSync(join(TESTBED, folder, file), "utf8")),
    }));
}
