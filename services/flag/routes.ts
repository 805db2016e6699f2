import type { PublishChange } from "@togglemaster/shared/changes";
import { isUniqueViolation } from "@togglemaster/shared/db";
import { badRequest, conflict, notFound } from "@togglemaster/shared/errors";
import { noContent } from "@togglemaster/shared/http";
import { flagNameSchema, isEnabledSchema as isEnabled } from "@togglemaster/shared/schemas";
import { Elysia, t } from "elysia";
import type { FlagStore } from "./store.ts";

const description = t.String({
  maxLength: 10_000,
  messages: { invalid: "'description' deve ser um texto de até 10000 caracteres" },
});

const flagNotFound = () => notFound("Flag não encontrada", "FLAG_NOT_FOUND");

export function flagRoutes(store: FlagStore, publish: PublishChange) {
  const params = t.Object({ name: flagNameSchema("name", "'name' é obrigatório") });

  return new Elysia({ name: "flag-routes", detail: { tags: ["flags"] } })
    .post(
      "/flags",
      async ({ body, set }) => {
        try {
          const flag = await store.insert({
            name: body.name,
            description: body.description ?? "",
            is_enabled: body.is_enabled ?? false,
          });
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
            description: t.Optional(description),
            is_enabled: t.Optional(isEnabled),
          },
          { messages: { required: "'name' é obrigatório" } },
        ),
        detail: { summary: "Create a flag" },
      },
    )
    .get("/flags", () => store.list(), { detail: { summary: "List flags by name" } })
    .get(
      "/flags/:name",
      async ({ params }) => (await store.get(params.name)) ?? Promise.reject(flagNotFound()),
      { params, detail: { summary: "Get a flag" } },
    )
    .put(
      "/flags/:name",
      async ({ params, body }) => {
        if (body.description === undefined && body.is_enabled === undefined)
          throw badRequest(
            "Pelo menos um campo ('description', 'is_enabled') é obrigatório",
            "NO_FIELDS",
          );
        const flag = await store.update(params.name, body);
        if (flag === undefined) throw flagNotFound();
        publish({ kind: "flag", name: flag.name, action: "updated" });
        return flag;
      },
      {
        params,
        body: t.Object(
          { description: t.Optional(description), is_enabled: t.Optional(isEnabled) },
          { messages: { required: "Corpo da requisição obrigatório" } },
        ),
        detail: { summary: "Update a flag's description or state" },
      },
    )
    .delete(
      "/flags/:name",
      async ({ params, set }) => {
        if (!(await store.remove(params.name))) throw flagNotFound();
        publish({ kind: "flag", name: params.name, action: "deleted" });
        return noContent(set);
      },
      { params, detail: { summary: "Delete a flag" } },
    );
}
