import { HISTORY_DESCRIPTION, historyQuery, principalContext } from "@togglemaster/shared/audit";
import type { PublishChange } from "@togglemaster/shared/changes";
import { isUniqueViolation } from "@togglemaster/shared/db";
import { badRequest, conflict, notFound } from "@togglemaster/shared/errors";
import type { RecordCache } from "@togglemaster/shared/freshness";
import { noContent } from "@togglemaster/shared/http";
import { flagNameSchema, isEnabledSchema as isEnabled } from "@togglemaster/shared/schemas";
import { Elysia, t } from "elysia";
import { type FlagSettings, settingsProblem, type UncheckedSettings } from "./flagd-format.ts";
import type { Flag, FlagStore } from "./store.ts";

const descriptionSchema = t.String({
  maxLength: 10_000,
  messages: { invalid: "'description' deve ser um texto de até 10000 caracteres" },
});

/*
 * Variants and metadata are checked by flagd's own rules (`settingsProblem`), which name the
 * offending entry; a schema here would coerce a string or an array into an object first.
 */
const variantsSchema = t.Unknown({
  description:
    'flagd variants, e.g. {"red":"#f00","blue":"#00f"}: all booleans, all strings, all ' +
    "numbers or all objects. null makes a v1 flag (boolean variants on/off).",
});

const defaultVariantSchema = t.Nullable(t.String({ minLength: 1, maxLength: 100 }), {
  description: "The variant served when targeting names none; null for none",
  messages: {
    invalid: "'default_variant' deve ser o nome de uma das variantes (até 100 caracteres) ou null",
  },
});

const metadataSchema = t.Unknown({
  description:
    'flagd flag metadata: an object of strings, numbers or booleans, e.g. {"team":"web"}',
});

/** The v2 fields of POST and PUT bodies. */
const v2Fields = {
  variants: t.Optional(variantsSchema),
  default_variant: t.Optional(defaultVariantSchema),
  metadata: t.Optional(metadataSchema),
};

const flagNotFound = () => notFound("Flag não encontrada", "FLAG_NOT_FOUND");

/** Settings that flagd would refuse are a 400 naming the field. */
function checked(name: string, settings: UncheckedSettings): FlagSettings {
  const problem = settingsProblem(name, settings);
  if (problem !== undefined) throw badRequest(problem, "INVALID_FLAG");
  return settings as FlagSettings;
}

export interface FlagRoutesOptions {
  store: FlagStore;
  /** Reads by name, fresh per the change notices (`createFlagApp`). */
  reads: RecordCache<Flag | undefined>;
  publish: PublishChange;
}

export function flagRoutes({ store, reads, publish }: FlagRoutesOptions) {
  const params = t.Object({ name: flagNameSchema("name", "'name' é obrigatório") });

  return new Elysia({ name: "flag-routes", detail: { tags: ["flags"] } })
    .use(principalContext)
    .post(
      "/flags",
      async ({ body, set, principal }) => {
        const settings = checked(body.name, {
          is_enabled: body.is_enabled ?? false,
          variants: body.variants ?? null,
          default_variant: body.default_variant ?? null,
          metadata: body.metadata === undefined ? {} : body.metadata,
        });
        try {
          const flag = await store.transaction((tables) =>
            tables.flags.insert(principal, {
              name: body.name,
              description: body.description ?? "",
              ...settings,
            }),
          );
          publish({ kind: "flag", name: flag.name, action: "created" });
          set.status = 201;
          return flag;
        } catch (error) {
          if (isUniqueViolation(error))
            throw conflict(`Flag '${body.name}' já existe`, "FLAG_EXISTS");
          throw error;
        }
      },
      {
        body: t.Object(
          {
            name: flagNameSchema("name", "'name' é obrigatório"),
            description: t.Optional(descriptionSchema),
            is_enabled: t.Optional(isEnabled),
            ...v2Fields,
          },
          { messages: { required: "'name' é obrigatório" } },
        ),
        detail: {
          summary: "Create a flag",
          description:
            "v1 fields, plus optional flagd `variants`, `default_variant` and `metadata`. The " +
            "flag object shows the v2 fields only when the flag has variants or metadata.",
        },
      },
    )
    .get("/flags", () => store.flags.list(), { detail: { summary: "List flags by name" } })
    .get(
      "/flags/:name",
      async ({ params }) =>
        (await reads.get(params.name, store.flags.get)) ?? Promise.reject(flagNotFound()),
      { params, detail: { summary: "Get a flag" } },
    )
    .get("/flags/:name/history", ({ params, query }) => store.flags.history(params.name, query), {
      params,
      query: historyQuery,
      detail: { summary: "Audit trail of a flag", description: HISTORY_DESCRIPTION },
    })
    .put(
      "/flags/:name",
      async ({ params, body, principal }) => {
        const { description, is_enabled, variants, default_variant, metadata } = body;
        const fields = [description, is_enabled, variants, default_variant, metadata];
        if (fields.every((value) => value === undefined))
          throw badRequest(
            "Pelo menos um campo ('description', 'is_enabled') é obrigatório",
            "NO_FIELDS",
          );
        const flag = await store.transaction((tables) =>
          tables.flags.update(principal, params.name, (current) => ({
            description,
            // Checked as the flag will be: new variants against the default it keeps.
            ...checked(params.name, {
              is_enabled: is_enabled ?? current.is_enabled,
              variants: variants === undefined ? current.variants : variants,
              default_variant:
                default_variant === undefined ? current.default_variant : default_variant,
              metadata: metadata === undefined ? current.metadata : metadata,
            }),
          })),
        );
        if (flag === undefined) throw flagNotFound();
        publish({ kind: "flag", name: flag.name, action: "updated" });
        return flag;
      },
      {
        params,
        body: t.Object(
          {
            description: t.Optional(descriptionSchema),
            is_enabled: t.Optional(isEnabled),
            ...v2Fields,
          },
          { messages: { required: "Corpo da requisição obrigatório" } },
        ),
        detail: {
          summary: "Update a flag: description, state, variants, default variant or metadata",
        },
      },
    )
    .delete(
      "/flags/:name",
      async ({ params, set, principal }) => {
        const removed = await store.transaction((tables) =>
          tables.flags.remove(principal, params.name),
        );
        if (removed === undefined) throw flagNotFound();
        publish({ kind: "flag", name: params.name, action: "deleted" });
        return noContent(set);
      },
      { params, detail: { summary: "Delete a flag" } },
    );
}
