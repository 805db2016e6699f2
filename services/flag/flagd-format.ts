/**
 * How ToggleMaster's flags, rules and segments read as one flagd document, and back. Pure.
 *
 * - flag `is_enabled` ↔ `state`; `variants`, `default_variant` ↔ `defaultVariant`,
 *   `metadata` as they are. A v1 flag (no variants) is `{"on":true,"off":false}` with
 *   `defaultVariant` "on", and a flagd flag defined exactly so is stored as a v1 flag.
 * - the flag's enabled rule ↔ `targeting` (see `targetingOf`/`ruleOf` in shared/rules.ts);
 *   a disabled rule is no targeting.
 * - segments ↔ `$evaluators`; the flag set's metadata ↔ the document's `metadata`.
 *
 * Absent and empty read the same way in flagd (`checkDocument` normalises a missing
 * `defaultVariant` to null and missing metadata to `{}`), so an export leaves them out and
 * an export imported again changes nothing.
 */
import {
  checkDocument,
  type DocumentCheck,
  type DocumentProblem,
  type FlagDefinition,
  type FlagdDocument,
  type JsonObject,
  type Metadata,
  pointerTo,
} from "@togglemaster/shared/flagd/document";
import type {
  RuleRecord,
  SegmentRecord,
  TargetingImport,
} from "@togglemaster/shared/flagd-targeting";
import {
  MAX_JSON_DEPTH,
  pathBeyond,
  pathToUnstorableText,
  sameJson,
} from "@togglemaster/shared/json";
import { isFlagName, isObject } from "@togglemaster/shared/limits";
import { type Rule, ruleOf, targetingOf } from "@togglemaster/shared/rules";
import type { Flag, FlagFields, Variants } from "./store.ts";

export const V1_VARIANTS: Readonly<Variants> = Object.freeze({ on: true, off: false });
export const V1_DEFAULT_VARIANT = "on";

/** What a flag defines in flagd terms, as stored. */
export type FlagSettings = Pick<
  FlagFields,
  "is_enabled" | "variants" | "default_variant" | "metadata"
>;

/** Settings as a request gives them, variants and metadata not yet checked. */
export type UncheckedSettings = Omit<FlagSettings, "variants" | "metadata"> & {
  variants: unknown;
  metadata: unknown;
};

/** A flag's definition without its targeting, which targeting-service keeps. */
export type UntargetedDefinition = Omit<FlagDefinition, "targeting">;

/** The settings of a flag as the API shows it (a v1 flag shows no v2 field). */
export const settingsOf = (flag: Flag): FlagSettings => ({
  is_enabled: flag.is_enabled,
  variants: flag.variants ?? null,
  default_variant: flag.default_variant ?? null,
  metadata: flag.metadata ?? {},
});

export function definitionOf(settings: FlagSettings): UntargetedDefinition {
  const v1 = settings.variants === null;
  return {
    state: settings.is_enabled ? "ENABLED" : "DISABLED",
    variants: settings.variants ?? V1_VARIANTS,
    defaultVariant: v1 ? V1_DEFAULT_VARIANT : settings.default_variant,
    metadata: settings.metadata,
  };
}

/** How a flagd flag is stored: as a v1 flag when its variants and default are v1's. */
export function settingsFrom(definition: FlagDefinition): FlagSettings {
  const v1 =
    sameJson(definition.variants, V1_VARIANTS) && definition.defaultVariant === V1_DEFAULT_VARIANT;
  return {
    is_enabled: definition.state === "ENABLED",
    variants: v1 ? null : { ...definition.variants },
    default_variant: v1 ? null : definition.defaultVariant,
    metadata: definition.metadata,
  };
}

/** Whether a stored flag already defines what `definition` does (targeting aside). */
export function definesSame(settings: FlagSettings, definition: FlagDefinition): boolean {
  const stored = definitionOf(settings);
  return (
    stored.state === definition.state &&
    stored.defaultVariant === definition.defaultVariant &&
    sameJson(stored.variants, definition.variants) &&
    sameJson(stored.metadata, definition.metadata)
  );
}

const tooDeep = (value: unknown) => pathBeyond(value, MAX_JSON_DEPTH) !== undefined;
const TOO_DEEP = `nests more than ${MAX_JSON_DEPTH} levels of arrays and objects`;
const UNSTORABLE_TEXT = "holds text that cannot be stored (a NUL character or a lone surrogate)";

/** Variant values too deeply nested to store, with the offending variant's name. */
const deepVariant = (variants: Readonly<Variants>) =>
  Object.keys(variants).find((name) => tooDeep(variants[name]));

/**
 * Why a flag's settings cannot be stored, naming the field as the API names it; checked by
 * flagd's own rules (variants of one kind, a default that names one of them, primitive
 * metadata), or undefined when they can.
 */
export function settingsProblem(name: string, settings: UncheckedSettings): string | undefined {
  const { variants, default_variant: defaultVariant, metadata } = settings;
  if (variants === null && defaultVariant !== null)
    return "'default_variant' exige 'variants' (uma flag sem variantes tem as variantes on e off)";
  // Before flagd's checks, which recurse through the values.
  const deep = isObject(variants) ? deepVariant(variants as Variants) : undefined;
  if (deep !== undefined) return `'variants.${deep}': ${TOO_DEEP}`;
  const state = settings.is_enabled ? "ENABLED" : "DISABLED";
  const flag = { state, variants: variants ?? V1_VARIANTS, defaultVariant, metadata };
  const check = checkDocument({ flags: { [name]: flag } });
  if (check.ok) return undefined;
  const at = check.problem.pointer.slice(pointerTo("flags", name).length);
  return `'${fieldAt(at)}': ${check.problem.message}`;
}

/** A pointer within a flag, as the API's field path: `/defaultVariant` → `default_variant`. */
function fieldAt(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((token, index) => (index === 0 && token === "defaultVariant" ? "default_variant" : token))
    .join(".");
}

/**
 * Checks a document to import: flagd's schema (`checkDocument`), then what this store can
 * hold besides. Flag and segment names travel in URLs (1–100 letters, digits, '_', '-', '.',
 * ':'), a default variant is at most 100 characters, text holds no NUL character nor lone
 * surrogate, and JSON nests at most `MAX_JSON_DEPTH` levels: a deeper document is refused
 * first, at the field it is in, before any check recurses through it.
 */
export function checkImport(input: unknown): DocumentCheck {
  // No field lies more than four levels below the document: /flags/<key>/variants/<name>.
  const path = pathBeyond(input, MAX_JSON_DEPTH + 4);
  if (path !== undefined) {
    const [section, name = "", field] = path;
    // The field it is in: a flag's targeting, one of its variants, an evaluator.
    const tokens = section !== "flags" ? 2 : field === "variants" ? 4 : 3;
    const problem = { pointer: pointerTo(...path.slice(0, tokens)), message: TOO_DEEP };
    return { ok: false, problem: section === "flags" ? { flag: name, ...problem } : problem };
  }
  const check = checkDocument(input);
  if (!check.ok) return check;
  const unstorable = pathToUnstorableText(check.document);
  if (unstorable !== undefined) {
    const [section, name = ""] = unstorable;
    const problem = { pointer: pointerTo(...unstorable), message: UNSTORABLE_TEXT };
    return { ok: false, problem: section === "flags" ? { flag: name, ...problem } : problem };
  }
  const problem = storageProblem(check.document);
  return problem === undefined ? check : { ok: false, problem };
}

function storageProblem(document: FlagdDocument): DocumentProblem | undefined {
  for (const [key, flag] of Object.entries(document.flags)) {
    const problem = (pointer: string, message: string) => ({ flag: key, pointer, message });
    if (!isFlagName(key))
      return problem(
        pointerTo("flags", key),
        "a flag key here must be 1 to 100 letters, digits, '_', '-', '.' or ':'",
      );
    if ((flag.defaultVariant?.length ?? 0) > 100)
      return problem(pointerTo("flags", key, "defaultVariant"), "must be at most 100 characters");
    const deep = deepVariant(flag.variants);
    if (deep !== undefined) return problem(pointerTo("flags", key, "variants", deep), TOO_DEEP);
    if (tooDeep(flag.targeting)) return problem(pointerTo("flags", key, "targeting"), TOO_DEEP);
  }
  for (const [name, definition] of Object.entries(document.$evaluators)) {
    const pointer = pointerTo("$evaluators", name);
    if (!isFlagName(name))
      return {
        pointer,
        message: "an evaluator name here must be 1 to 100 letters, digits, '_', '-', '.' or ':'",
      };
    if (tooDeep(definition)) return { pointer, message: TOO_DEEP };
  }
  return undefined;
}

/** A document's flags as stored here, and what targeting-service is to apply. */
export interface ImportPlan {
  flags: { key: string; definition: FlagDefinition; settings: FlagSettings }[];
  targeting: TargetingImport;
}

export function planImport(document: FlagdDocument): ImportPlan {
  const flags = Object.entries(document.flags).map(([key, definition]) => ({
    key,
    definition,
    settings: settingsFrom(definition),
  }));
  const rules = flags.map(({ key, definition }): [string, Rule | null] => [
    key,
    definition.targeting === undefined ? null : ruleOf(definition.targeting),
  ]);
  return {
    flags,
    targeting: { rules: Object.fromEntries(rules), segments: { ...document.$evaluators } },
  };
}

/** The whole configuration as one flagd document; rules of unknown flags are left out. */
export function exportDocument(
  flags: readonly Flag[],
  rules: readonly RuleRecord[],
  segments: readonly SegmentRecord[],
  metadata: Metadata,
): Record<string, unknown> {
  const targeting = new Map(
    rules
      .filter((rule) => rule.is_enabled)
      .map((rule) => [rule.flag_name, targetingOf(rule.rules)]),
  );
  const entries = flags.map((flag) => {
    const definition = definitionOf(settingsOf(flag));
    const rule = targeting.get(flag.name);
    return [
      flag.name,
      {
        state: definition.state,
        variants: definition.variants,
        ...(definition.defaultVariant === null
          ? {}
          : { defaultVariant: definition.defaultVariant }),
        ...(rule === undefined ? {} : { targeting: rule }),
        ...(Object.keys(definition.metadata).length === 0 ? {} : { metadata: definition.metadata }),
      },
    ] as const;
  });
  const evaluators: [string, JsonObject][] = segments.map((segment) => [
    segment.name,
    segment.definition,
  ]);
  return {
    flags: Object.fromEntries(entries),
    ...(evaluators.length === 0 ? {} : { $evaluators: Object.fromEntries(evaluators) }),
    ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
  };
}
