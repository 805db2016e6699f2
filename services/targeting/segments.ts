/**
 * Segments: flagd's shared evaluators (`$evaluators`), targeting that any flag's rule can
 * `$ref` by name. A change to one may change any flag, so its notice (kind "segment") makes
 * evaluation drop every flag it holds.
 */
import { HISTORY_DESCRIPTION, historyQuery, principalContext } from "@togglemaster/shared/audit";
import type { PublishChange } from "@togglemaster/shared/changes";
import { isUniqueViolation } from "@togglemaster/shared/db";
import { badRequest, conflict, notFound } from "@togglemaster/shared/errors";
import type { JsonObject } from "@togglemaster/shared/flagd/document";
import type { RecordCache } from "@togglemaster/shared/freshness";
import { noContent } from "@togglemaster/shared/http";
import { targetingProblem } from "@togglemaster/shared/rules";
import { flagNameSchema } from "@togglemaster/shared/schemas";
import { Elysia, t } from "elysia";
import type { Segment, TargetingStore } from "./store.ts";

const REQUIRED = "'name' e 'definition' (JSON) são obrigatórios";

/** Checked by `validDefinition`, which names what is wrong with it. */
const definitionSchema = t.Unknown({
  messages: { required: REQUIRED },
  description: 'flagd targeting (JsonLogic), e.g. {"ends_with":[{"var":"email"},"@example.com"]}',
});

const descriptionSchema = t.String({
  maxLength: 10_000,
  messages: { invalid: "'description' deve ser um texto de até 10000 caracteres" },
});

function validDefinition(definition: unknown): JsonObject {
  const problem = targetingProblem(definition);
  if (problem !== undefined) throw badRequest(`'definition' ${problem}`, "INVALID_SEGMENT");
  return definition as JsonObject;
}

const segmentNotFound = () => notFound("Segmento não encontrado", "SEGMENT_NOT_FOUND");

export interface SegmentRoutesOptions {
  store: TargetingStore;
  /** Reads by name, fresh per the change notices (`createTargetingApp`). */
  reads: RecordCache<Segment | undefined>;
  publish: PublishChange;
}

export function segmentRoutes({ store, reads, publish }: SegmentRoutesOptions) {
  const params = t.Object({ name: flagNameSchema("name", "'name' é obrigatório") });

  return new Elysia({ name: "segment-routes", detail: { tags: ["segments"] } })
    .use(principalContext)
    .get("/segments", () => store.segments.list(), {
      detail: { summary: "List segments by name" },
    })
    .post(
      "/segments",
      async ({ body, set, principal }) => {
        if (body.definition === undefined || body.definition === null)
          throw badRequest(REQUIRED, "MISSING_FIELDS");
        const definition = validDefinition(body.definition);
        try {
          const segment = await store.transaction((tables) =>
            tables.segments.insert(principal, {
              name: body.name,
              definition,
              description: body.description ?? "",
            }),
          );
          publish({ kind: "segment", name: segment.name, action: "created" });
          set.status = 201;
          return segment;
        } catch (error) {
          if (isUniqueViolation(error))
            throw conflict(`Segmento '${body.name}' já existe`, "SEGMENT_EXISTS");
          throw error;
        }
      },
      {
        body: t.Object(
          {
            name: flagNameSchema("name", REQUIRED),
            definition: definitionSchema,
            description: t.Optional(descriptionSchema),
          },
          { messages: { required: REQUIRED } },
        ),
        detail: { summary: "Create a segment (a flagd shared evaluator)" },
      },
    )
    .get(
      "/segments/:name",
      async ({ params }) =>
        (await reads.get(params.name, store.segments.get)) ?? Promise.reject(segmentNotFound()),
      { params, detail: { summary: "Get a segment" } },
    )
    .get(
      "/segments/:name/history",
      ({ params, query }) => store.segments.history(params.name, query),
      {
        params,
        query: historyQuery,
        detail: { summary: "Audit trail of a segment", description: HISTORY_DESCRIPTION },
      },
    )
    .put(
      "/segments/:name",
      async ({ params, body, principal }) => {
        if (body.definition === undefined && body.description === undefined)
          throw badRequest(
            "Pelo menos um campo ('definition', 'description') é obrigatório",
            "NO_FIELDS",
          );
        const definition =
          body.definition === undefined ? undefined : validDefinition(body.definition);
        const segment = await store.transaction((tables) =>
          tables.segments.update(principal, params.name, {
            definition,
            description: body.description,
          }),
        );
        if (segment === undefined) throw segmentNotFound();
        publish({ kind: "segment", name: segment.name, action: "updated" });
        return segment;
      },
      {
        params,
        body: t.Object(
          {
            definition: t.Optional(definitionSchema),
            description: t.Optional(descriptionSchema),
          },
          { messages: { required: "Corpo da requisição obrigatório" } },
        ),
        detail: { summary: "Replace a segment's definition or description" },
      },
    )
    .delete(
      "/segments/:name",
      async ({ params, set, principal }) => {
        const removed = await store.transaction((tables) =>
          tables.segments.remove(principal, params.name),
        );
        if (removed === undefined) throw segmentNotFound();
        publish({ kind: "segment", name: params.name, action: "deleted" });
        return noContent(set);
      },
      { params, detail: { summary: "Delete a segment" } },
    );
}
