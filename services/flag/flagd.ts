/**
 * flagd documents in and out of flag-service: `POST /flagd/import`, `GET /flagd/export`.
 *
 * An import is one unit across two databases: flags live here, their targeting and the
 * segments in targeting-service. In order:
 *   1. the document is checked (flagd's schema, then what this store can hold); a problem is
 *      a 400 naming the flag and the JSON pointer, and nothing is written;
 *   2. a flag transaction begins, claims the import lock (one import at a time) and writes
 *      every flag that differs, each with its audit entry;
 *   3. targeting-service applies the rules and segments in one transaction of its own and
 *      answers how what it changed was before;
 *   4. the flag transaction commits.
 * When step 3 fails, the flag transaction rolls back and nothing has changed (503 or 504
 * naming targeting). When step 4 fails after step 3 committed, targeting is asked to put
 * back what it answered in step 3 (a compensation, audited as "restored") and the answer is
 * 503. Only when that restore fails as well do the halves stay apart; the answer says so,
 * and importing the document again converges, since an import is an upsert.
 */
import { principalContext } from "@togglemaster/shared/audit";
import { credentialOf, type KeyIdentity } from "@togglemaster/shared/auth-guard";
import type { PublishChange } from "@togglemaster/shared/changes";
import { conflict, HttpError, serviceUnavailable } from "@togglemaster/shared/errors";
import type { DocumentProblem } from "@togglemaster/shared/flagd/document";
import {
  type ImportResult,
  importing,
  type TargetingImportAnswer,
  type TargetingState,
} from "@togglemaster/shared/flagd-targeting";
import { requestContext } from "@togglemaster/shared/http";
import { sameJson } from "@togglemaster/shared/json";
import { MAX_DOCUMENT_BYTES } from "@togglemaster/shared/limits";
import { describeError, type Logger } from "@togglemaster/shared/logger";
import { Elysia, t } from "elysia";
import { checkImport, definesSame, exportDocument, planImport } from "./flagd-format.ts";
import type { FlagStore } from "./store.ts";
import type { Caller, TargetingClient } from "./targeting-client.ts";

/** A document that cannot be imported: the body names the flag and the JSON pointer. */
export class DocumentError extends HttpError {
  constructor(readonly problem: DocumentProblem) {
    const where = problem.pointer === "" ? "" : ` (${problem.pointer})`;
    const what = problem.flag === undefined ? "Documento flagd inválido" : `Flag '${problem.flag}'`;
    super(400, `${what}: ${problem.message}${where}`, "INVALID_FLAGD_DOCUMENT");
  }

  override get body() {
    const { flag, pointer } = this.problem;
    return { ...super.body, ...(flag === undefined ? {} : { flag }), pointer };
  }
}

export interface ImportAnswer {
  flags: { key: string; result: ImportResult }[];
  segments: { key: string; result: ImportResult }[];
  /** The flag set's metadata (the document's top-level `metadata`). */
  metadata: "updated" | "unchanged";
}

export interface FlagdOptions {
  store: FlagStore;
  targeting: TargetingClient;
  publish: PublishChange;
  logger: Logger;
}

export function createFlagd({ store, targeting, publish, logger }: FlagdOptions) {
  /** Puts targeting back after the flags could not be committed; the error to answer. */
  async function undoTargeting(caller: Caller, previous: TargetingState, cause: unknown) {
    const names = [...Object.keys(previous.rules), ...Object.keys(previous.segments)];
    try {
      if (names.length > 0) await targeting.restore(caller, previous);
      logger.warn("flagd import undone: its flags could not be committed", {
        error: describeError(cause),
      });
      return serviceUnavailable(
        "Importação desfeita: as flags não puderam ser gravadas",
        "IMPORT_UNDONE",
      );
    } catch (restoreError) {
      logger.error("flagd import half applied: targeting could not be restored", {
        error: describeError(cause),
        restore_error: describeError(restoreError),
        targeting_changed: names,
      });
      return serviceUnavailable(
        "Importação incompleta: regras e segmentos foram aplicados, as flags não; importe o documento de novo",
        "IMPORT_INCOMPLETE",
      );
    }
  }

  async function importDocument(caller: Caller, by: KeyIdentity, input: unknown) {
    const check = checkImport(input);
    if (!check.ok) throw new DocumentError(check.problem);
    const { document } = check;
    const plan = planImport(document);

    let applied: TargetingImportAnswer | undefined;
    let outcome: {
      written: Map<string, "created" | "updated">;
      metadataChanged: boolean;
      targeting: TargetingImportAnswer;
    };
    try {
      outcome = await importing(
        store.transaction(async (tables) => {
          if (!(await tables.flagSet.claimImport()))
            throw conflict(
              "Outra importação está em andamento; tente de novo",
              "IMPORT_IN_PROGRESS",
            );
          const stored = await tables.flags.lockAll(plan.flags.map(({ key }) => key));
          const changes = plan.flags.flatMap(({ key, definition, settings }) => {
            const current = stored.get(key);
            if (current !== undefined && definesSame(current, definition)) return [];
            const description = current?.description ?? "";
            return [{ name: key, current, next: { name: key, description, ...settings } }];
          });
          await tables.flags.writeAll(by, changes, "imported");
          const written = new Map(
            changes.map(({ name, current }) => [name, current ? "updated" : "created"] as const),
          );
          const metadataBefore = await tables.flagSet.metadata();
          const metadataChanged = !sameJson(metadataBefore, document.metadata);
          if (metadataChanged)
            await tables.flagSet.replaceMetadata(by, metadataBefore, document.metadata, "imported");
          // Last before the commit: anything failing after this is the commit itself.
          applied = await targeting.applyImport(caller, plan.targeting);
          return { written, metadataChanged, targeting: applied };
        }),
      );
    } catch (error) {
      if (applied === undefined) throw error;
      throw await undoTargeting(caller, applied.previous, error);
    }

    const { written, metadataChanged, targeting: targetingAnswer } = outcome;
    for (const [name, action] of written) publish({ kind: "flag", name, action });
    if (metadataChanged) publish({ kind: "flag_set", name: "", action: "updated" });
    // A flag whose own fields stayed but whose rule changed was updated all the same.
    const ruleChanged = (key: string) =>
      (targetingAnswer.rules[key] ?? "unchanged") !== "unchanged";
    const answer: ImportAnswer = {
      flags: plan.flags.map(({ key }) => ({
        key,
        result: written.get(key) ?? (ruleChanged(key) ? "updated" : "unchanged"),
      })),
      segments: Object.keys(document.$evaluators).map((key) => ({
        key,
        result: targetingAnswer.segments[key] ?? "unchanged",
      })),
      metadata: metadataChanged ? "updated" : "unchanged",
    };
    return answer;
  }

  async function exportAll(caller: Caller) {
    const [flags, rules, segments, metadata] = await Promise.all([
      store.flags.list(),
      targeting.rules(caller),
      targeting.segments(caller),
      store.flagSetMetadata(),
    ]);
    return exportDocument(flags, rules, segments, metadata);
  }

  return { importDocument, exportAll, metadata: () => store.flagSetMetadata() };
}

const callerOf = (request: Request, requestId: string): Caller => ({
  credential: credentialOf(request) ?? "",
  requestId,
});

export type Flagd = ReturnType<typeof createFlagd>;

export const FLAGD_IMPORT_PATH = "/flagd/import";

export function flagdRoutes(flagd: Flagd) {
  return new Elysia({ name: "flagd-routes", detail: { tags: ["flagd"] } })
    .use(requestContext)
    .use(principalContext)
    .post(
      FLAGD_IMPORT_PATH,
      ({ body, request, requestId, principal }) =>
        flagd.importDocument(callerOf(request, requestId), principal, body),
      {
        // The import checks the document against flagd's schema and names the JSON pointer
        // of a problem (an empty body's too); this schema only documents the fields.
        body: t.Optional(
          t.Object(
            {
              flags: t.Optional(t.Unknown({ description: "The flags, by key (required)" })),
              $evaluators: t.Optional(t.Unknown({ description: "Shared targeting, by name" })),
              metadata: t.Optional(t.Unknown({ description: "The flag set's metadata" })),
              $schema: t.Optional(t.Unknown({ description: "Ignored, as flagd ignores it" })),
            },
            {
              additionalProperties: true,
              description:
                "A flagd flag-definition document (https://flagd.dev/schema/v0/flags.json)",
            },
          ),
        ),
        detail: {
          summary: "Import a flagd document (upsert; flags not in it are left alone)",
          description:
            "200 `{flags: [{key, result}], segments: [{key, result}], metadata}` with result " +
            "`created`, `updated` or `unchanged`. A document flagd would refuse is a 400 " +
            '`{"error","code":"INVALID_FLAGD_DOCUMENT","flag","pointer"}` and nothing of it ' +
            "is applied. Targeting is stored in targeting-service: 503/504 when it cannot be " +
            "reached, and then nothing changes either; 409 (nothing applied, try again) while " +
            "another import runs or when a flag or rule of the document was created meanwhile. " +
            `Documents up to ${MAX_DOCUMENT_BYTES} bytes; a larger one is a 413.`,
        },
      },
    )
    .get("/flagd/metadata", async () => ({ metadata: await flagd.metadata() }), {
      detail: {
        summary: "The flag set's metadata, which every flag's answers carry under their own",
      },
    })
    .get(
      "/flagd/export",
      ({ request, requestId }) => flagd.exportAll(callerOf(request, requestId)),
      {
        detail: {
          summary: "The whole configuration as one flagd document",
          description:
            "v1 flags read as boolean flags with variants on/off and defaultVariant on; v1 " +
            'USER_LIST rules as `{"if":[{"in":[{"var":"targetingKey"},[…]]},"on","off"]}`, ' +
            'PERCENTAGE rules as `{"if":[{"<":[{"tm_v1_bucket":[]},VALUE]},"on","off"]}` ' +
            "(ToggleMaster's v1 bucket, which flagd itself cannot evaluate: PARSE_ERROR " +
            "there). Importing the export changes nothing.",
        },
      },
    );
}
