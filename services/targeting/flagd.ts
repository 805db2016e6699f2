/**
 * The targeting half of a flagd import (see services/flag/flagd.ts for the whole): the
 * document's rules and segments applied in one transaction, answering what changed and how
 * it was before; and the restore flag-service asks for when its own commit fails after this
 * one succeeded.
 */

import {
  type AuditedTable,
  principalContext,
  type WrittenRecord,
} from "@togglemaster/shared/audit";
import type { KeyIdentity } from "@togglemaster/shared/auth-guard";
import type { ChangeNotice, PublishChange } from "@togglemaster/shared/changes";
import { badRequest } from "@togglemaster/shared/errors";
import type { JsonObject } from "@togglemaster/shared/flagd/document";
import {
  type ImportResult,
  importing,
  type RuleImportResult,
  type StoredRuleState,
  type StoredSegmentState,
  TARGETING_IMPORT_PATH,
  TARGETING_RESTORE_PATH,
  type TargetingImportAnswer,
} from "@togglemaster/shared/flagd-targeting";
import { sameJson } from "@togglemaster/shared/json";
import { isFlagName, isObject } from "@togglemaster/shared/limits";
import type { StoredRecord } from "@togglemaster/shared/records";
import { checkRule, type Rule, targetingOf, targetingProblem } from "@togglemaster/shared/rules";
import { Elysia, t } from "elysia";
import type { Segment, TargetingRule, TargetingStore, TargetingTables } from "./store.ts";

const invalid = (problem: string) => badRequest(problem, "INVALID_TARGETING_IMPORT");

/** The entries of the object `section`, each name checked and each value read by `read`. */
function entriesOf<T>(
  section: unknown,
  what: string,
  read: (value: unknown, at: string) => T,
): [string, T][] {
  if (!isObject(section)) throw invalid(`'${what}' deve ser um objeto`);
  // Sorted, so concurrent transactions lock rows in one order.
  return Object.keys(section)
    .sort()
    .map((name) => {
      if (!isFlagName(name)) throw invalid(`${what}: nome inválido ${JSON.stringify(name)}`);
      return [name, read(section[name], `${what} '${name}'`)];
    });
}

function ruleAt(value: unknown, at: string): Rule {
  const check = checkRule(value);
  if (!check.ok) throw invalid(`${at}: ${check.problem}`);
  return check.rule;
}

function targetingAt(value: unknown, at: string): JsonObject {
  const problem = targetingProblem(value);
  if (problem !== undefined) throw invalid(`${at}: ${problem}`);
  return value as JsonObject;
}

function ruleStateAt(value: unknown, at: string): StoredRuleState | null {
  if (value === null) return null;
  if (!isObject(value) || typeof value.is_enabled !== "boolean")
    throw invalid(`${at}: esperado {rules, is_enabled} ou null`);
  return { rules: ruleAt(value.rules, at), is_enabled: value.is_enabled };
}

function segmentStateAt(value: unknown, at: string): StoredSegmentState | null {
  if (value === null) return null;
  if (!isObject(value) || typeof value.description !== "string")
    throw invalid(`${at}: esperado {definition, description} ou null`);
  return { definition: targetingAt(value.definition, at), description: value.description };
}

/** What importing `rule` (null: no targeting) does to the flag's current rule. */
function ruleImportResult(current: TargetingRule | undefined, rule: Rule | null): RuleImportResult {
  if (rule === null) return current?.is_enabled ? "deleted" : "unchanged";
  if (current === undefined) return "created";
  // Compared as flagd reads them: a rule stored in either form of a v1 rule is the same rule.
  return current.is_enabled && sameJson(targetingOf(current.rules), targetingOf(rule))
    ? "unchanged"
    : "updated";
}

const ruleState = ({ rules, is_enabled }: TargetingRule): StoredRuleState => ({
  rules,
  is_enabled,
});
const segmentState = ({ definition, description }: Segment): StoredSegmentState => ({
  definition,
  description,
});

const noticesOf = (kind: "rule" | "segment", written: WrittenRecord[]): ChangeNotice[] =>
  written.map(({ name, action }) => ({ kind, name, action }));

/**
 * Applies an import; the answer, and the changes to announce once it commits. Results are
 * gathered as entries: a name like "__proto__" must stay a name, not reach a prototype.
 */
async function applyImport(
  tables: TargetingTables,
  by: KeyIdentity,
  rules: [string, Rule | null][],
  segments: [string, JsonObject][],
): Promise<{ answer: TargetingImportAnswer; notices: ChangeNotice[] }> {
  const storedRules = await tables.rules.lockAll(rules.map(([flag]) => flag));
  const ruleEntries = rules.map(([flag, rule]) => {
    const current = storedRules.get(flag);
    const next = rule && { flag_name: flag, is_enabled: true, rules: rule };
    return { name: flag, current, next, result: ruleImportResult(current, rule) };
  });
  const ruleChanges = ruleEntries.filter(({ result }) => result !== "unchanged");

  const storedSegments = await tables.segments.lockAll(segments.map(([name]) => name));
  const segmentEntries = segments.map(([name, definition]) => {
    const current = storedSegments.get(name);
    const next = { name, definition, description: current?.description ?? "" };
    const result: ImportResult =
      current === undefined
        ? "created"
        : sameJson(current.definition, definition)
          ? "unchanged"
          : "updated";
    return { name, current, next, result };
  });
  const segmentChanges = segmentEntries.filter(({ result }) => result !== "unchanged");

  const notices = [
    ...noticesOf("rule", await tables.rules.writeAll(by, ruleChanges, "imported")),
    ...noticesOf("segment", await tables.segments.writeAll(by, segmentChanges, "imported")),
  ];
  const previous = <Fields, State>(
    changes: { name: string; current: StoredRecord<Fields> | undefined }[],
    state: (record: StoredRecord<Fields>) => State,
  ) =>
    Object.fromEntries(
      changes.map(({ name, current }) => [name, current === undefined ? null : state(current)]),
    );
  const results = <Result>(entries: { name: string; result: Result }[]) =>
    Object.fromEntries(entries.map(({ name, result }) => [name, result]));
  const answer: TargetingImportAnswer = {
    rules: results(ruleEntries),
    segments: results(segmentEntries),
    previous: {
      rules: previous(ruleChanges, ruleState),
      segments: previous(segmentChanges, segmentState),
    },
  };
  return { answer, notices };
}

/** Sets each record exactly as given (null: none); the changes to announce. */
async function restore<Fields extends Record<string, unknown>, Shown>(
  table: AuditedTable<Fields, Shown>,
  kind: "rule" | "segment",
  entries: [string, Fields | null][],
  by: KeyIdentity,
): Promise<ChangeNotice[]> {
  const stored = await table.lockAll(entries.map(([name]) => name));
  const changes = entries.map(([name, next]) => ({ name, current: stored.get(name), next }));
  return noticesOf(kind, await table.writeAll(by, changes, "restored"));
}

/** Checked by `entriesOf`: a record schema would turn a string or an array into an object. */
const sections = {
  rules: t.Unknown({ description: "Per flag key: its rule document, or null for none" }),
  segments: t.Unknown({ description: "Per segment name: its definition" }),
};

export interface FlagdTargetingRoutesOptions {
  store: TargetingStore;
  publish: PublishChange;
}

export function flagdTargetingRoutes({ store, publish }: FlagdTargetingRoutesOptions) {
  const announce = (notices: ChangeNotice[]) => {
    for (const notice of notices) publish(notice);
  };

  return new Elysia({ name: "flagd-targeting-routes", detail: { tags: ["flagd"] } })
    .use(principalContext)
    .put(
      TARGETING_IMPORT_PATH,
      async ({ body, principal }) => {
        const rules = entriesOf(body.rules, "rules", (value, at) =>
          value === null ? null : ruleAt(value, at),
        );
        const segments = entriesOf(body.segments, "segments", targetingAt);
        const { answer, notices } = await importing(
          store.transaction((tables) => applyImport(tables, principal, rules, segments)),
        );
        announce(notices);
        return answer;
      },
      {
        body: t.Object(sections),
        detail: {
          summary: "Apply a flagd import's rules and segments in one transaction (flag-service)",
          description:
            "Answers `{rules, segments}` with each entry's result and `previous`, the state " +
            `of what changed, which \`PUT ${TARGETING_RESTORE_PATH}\` puts back.`,
        },
      },
    )
    .put(
      TARGETING_RESTORE_PATH,
      async ({ body, principal }) => {
        const rules = entriesOf(body.rules, "rules", ruleStateAt);
        const segments = entriesOf(body.segments, "segments", segmentStateAt);
        const notices = await importing(
          store.transaction(async (tables) => [
            ...(await restore(
              tables.rules,
              "rule",
              rules.map(([flag, rule]) => [flag, rule && { flag_name: flag, ...rule }]),
              principal,
            )),
            ...(await restore(
              tables.segments,
              "segment",
              segments.map(([name, segment]) => [name, segment && { name, ...segment }]),
              principal,
            )),
          ]),
        );
        announce(notices);
        return { restored: notices.length };
      },
      {
        body: t.Object(sections),
        detail: {
          summary: "Put rules and segments back as an import found them (flag-service)",
        },
      },
    );
}
