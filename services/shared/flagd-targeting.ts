/**
 * What flag-service exchanges with targeting-service for flagd documents: an export reads
 * every rule (`GET /rules`) and segment (`GET /segments`); an import applies its targeting
 * through an internal route, and undoes it through another when the flags cannot be
 * committed. The internal routes are authenticated like every route (flag-service forwards
 * its caller's credential) and live outside the public prefixes, so no ingress routes them.
 */
import { isUniqueViolation } from "./db.ts";
import { conflict } from "./errors.ts";
import type { JsonObject } from "./flagd/document.ts";
import type { Rule } from "./rules.ts";

/** `PUT`: applies a `TargetingImport` in one targeting transaction. */
export const TARGETING_IMPORT_PATH = "/flagd/targeting";
/** `PUT`: puts a `TargetingState` back exactly, in one targeting transaction. */
export const TARGETING_RESTORE_PATH = "/flagd/targeting/restore";

/**
 * A write of an import's transaction, where a unique violation means a record the import is
 * creating was created meanwhile by a route: a 409 to try again, and nothing is applied.
 */
export const importing = <T>(write: Promise<T>): Promise<T> =>
  write.catch((error: unknown) => {
    if (!isUniqueViolation(error)) throw error;
    throw conflict(
      "Um registro do documento foi criado durante a importação; tente de novo",
      "IMPORT_RACED",
    );
  });

/** A rule as `GET /rules` lists it (the fields an export reads). */
export interface RuleRecord {
  flag_name: string;
  is_enabled: boolean;
  rules: Rule;
}

/** A segment as `GET /segments` lists it (the fields an export reads). */
export interface SegmentRecord {
  name: string;
  definition: JsonObject;
  description: string;
}

/** What an import asks of targeting. */
export interface TargetingImport {
  /**
   * The rule of every flag of the document. null is a flag without targeting: its enabled
   * rule is removed, while a disabled one (no targeting either, in flagd terms) stays.
   */
  rules: Record<string, Rule | null>;
  /** The document's `$evaluators`, created or replaced; other segments stay. */
  segments: Record<string, JsonObject>;
}

export type ImportResult = "created" | "updated" | "unchanged";
export type RuleImportResult = ImportResult | "deleted";

export interface StoredRuleState {
  rules: Rule;
  is_enabled: boolean;
}

export interface StoredSegmentState {
  definition: JsonObject;
  description: string;
}

/** Rules and segments as they are; null where there is none. */
export interface TargetingState {
  rules: Record<string, StoredRuleState | null>;
  segments: Record<string, StoredSegmentState | null>;
}

export interface TargetingImportAnswer {
  rules: Record<string, RuleImportResult>;
  segments: Record<string, ImportResult>;
  /** What the import changed, as it was before: restoring it undoes the import. */
  previous: TargetingState;
}
