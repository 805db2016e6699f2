import type { PublishChange } from "@togglemaster/shared/changes";
import { isUniqueViolation } from "@togglemaster/shared/db";
import { badRequest, conflict, notFound } from "@togglemaster/shared/errors";
import { noContent } from "@togglemaster/shared/http";
import { checkRule, type Rule } from "@togglemaster/shared/rules";
import { flagNameSchema, isEnabledSchema } from "@togglemaster/shared/schemas";
import { Elysia, t } from "elysia";
import type { RuleStore } from "./store.ts";

const REQUIRED = "'flag_name' e 'rules' (JSON) são obrigatórios";

/** The rule document is checked by `checkRule`, which names exactly what is wrong with it. */
const rulesDocument = t.Unknown({
  messages: { required: REQUIRED },
  description:
    '{"type":"PERCENTAGE","value":0..100} or {"type":"USER_LIST","values":["user-id", …]}',
});

function validRule(document: unknown): Rule {
  const check = checkRule(document);
  if (!check.ok) throw badRequest(check.problem, "INVALID_RULE");
  return check.rule;
}

const ruleNotFound = () => notFound("Regra não encontrada", "RULE_NOT_FOUND");

export function ruleRoutes(store: RuleStore, publish: PublishChange) {
  const params = t.Object({ flag_name: flagNameSchema("flag_name", REQUIRED) });

  return new Elysia({ name: "targeting-routes", detail: { tags: ["rules"] } })
    .post(
      "/rules",
      async ({ body, set }) => {
        // t.Unknown lets an absent or null document through; the contract calls it missing.
        if (body.rules === undefined || body.rules === null)
          throw badRequest(REQUIRED, "MISSING_FIELDS");
        try {
          const stored = await store.insert({
            flag_name: body.flag_name,
            is_enabled: body.is_enabled ?? true,
            rules: validRule(body.rules),
          });
          publish({ kind: "rule", name: stored.flag_name, action: "created" });
          set.status = 201;
          return stored;
        } catch (error) {
          if (isUniqueViolation(error))
            throw conflict(`Regra para a flag '${body.flag_name}' já existe`, "RULE_EXISTS");
          throw error;
        }
      },
      {
        body: t.Object(
          {
            flag_name: flagNameSchema("flag_name", REQUIRED),
            rules: rulesDocument,
            is_enabled: t.Optional(isEnabledSchema),
          },
          { messages: { required: REQUIRED } },
        ),
        detail: { summary: "Create the targeting rule of a flag" },
      },
    )
    .get(
      "/rules/:flag_name",
      async ({ params }) => (await store.get(params.flag_name)) ?? Promise.reject(ruleNotFound()),
      { params, detail: { summary: "Get the targeting rule of a flag" } },
    )
    .put(
      "/rules/:flag_name",
      async ({ params, body }) => {
        if (body.rules === undefined && body.is_enabled === undefined)
          throw badRequest(
            "Pelo menos um campo ('rules', 'is_enabled') é obrigatório",
            "NO_FIELDS",
          );
        const rules = body.rules === undefined ? undefined : validRule(body.rules);
        const stored = await store.update(params.flag_name, { rules, is_enabled: body.is_enabled });
        if (stored === undefined) throw ruleNotFound();
        publish({ kind: "rule", name: stored.flag_name, action: "updated" });
        return stored;
      },
      {
        params,
        body: t.Object(
          { rules: t.Optional(rulesDocument), is_enabled: t.Optional(isEnabledSchema) },
          { messages: { required: "Corpo da requisição obrigatório" } },
        ),
        detail: { summary: "Replace the rule or switch it on or off" },
      },
    )
    .delete(
      "/rules/:flag_name",
      async ({ params, set }) => {
        if (!(await store.remove(params.flag_name))) throw ruleNotFound();
        publish({ kind: "rule", name: params.flag_name, action: "deleted" });
        return noContent(set);
      },
      { params, detail: { summary: "Delete the targeting rule of a flag" } },
    );
}
