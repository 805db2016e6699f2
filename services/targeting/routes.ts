import { HISTORY_DESCRIPTION, historyQuery, principalContext } from "@togglemaster/shared/audit";
import type { PublishChange } from "@togglemaster/shared/changes";
import { isUniqueViolation } from "@togglemaster/shared/db";
import { badRequest, conflict, notFound } from "@togglemaster/shared/errors";
import type { RecordCache } from "@togglemaster/shared/freshness";
import { noContent } from "@togglemaster/shared/http";
import { checkRule, type Rule } from "@togglemaster/shared/rules";
import { flagNameSchema, isEnabledSchema } from "@togglemaster/shared/schemas";
import { Elysia, t } from "elysia";
import type { TargetingRule, TargetingStore } from "./store.ts";

const REQUIRED = "'flag_name' e 'rules' (JSON) são obrigatórios";

/** The rule document is checked by `checkRule`, which names exactly what is wrong with it. */
const rulesDocument = t.Unknown({
  messages: { required: REQUIRED },
  description:
    '{"type":"PERCENTAGE","value":0..100}, {"type":"USER_LIST","values":["user-id", …]} or ' +
    '{"type":"JSONLOGIC","targeting":{…flagd targeting…}}',
});

function validRule(document: unknown): Rule {
  const check = checkRule(document);
  if (!check.ok) throw badRequest(check.problem, "INVALID_RULE");
  return check.rule;
}

const ruleNotFound = () => notFound("Regra não encontrada", "RULE_NOT_FOUND");

export interface RuleRoutesOptions {
  store: TargetingStore;
  /** Reads by flag name, fresh per the change notices (`createTargetingApp`). */
  reads: RecordCache<TargetingRule | undefined>;
  publish: PublishChange;
}

export function ruleRoutes({ store, reads, publish }: RuleRoutesOptions) {
  const params = t.Object({ flag_name: flagNameSchema("flag_name", REQUIRED) });

  return new Elysia({ name: "targeting-routes", detail: { tags: ["rules"] } })
    .use(principalContext)
    .post(
      "/rules",
      async ({ body, set, principal }) => {
        // t.Unknown lets an absent or null document through; the contract calls it missing.
        if (body.rules === undefined || body.rules === null)
          throw badRequest(REQUIRED, "MISSING_FIELDS");
        const rules = validRule(body.rules);
        try {
          const stored = await store.transaction((tables) =>
            tables.rules.insert(principal, {
              flag_name: body.flag_name,
              is_enabled: body.is_enabled ?? true,
              rules,
            }),
          );
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
    .get("/rules", () => store.rules.list(), {
      detail: { summary: "List every rule by flag name (what an export reads)" },
    })
    .get(
      "/rules/:flag_name",
      async ({ params }) =>
        (await reads.get(params.flag_name, store.rules.get)) ?? Promise.reject(ruleNotFound()),
      { params, detail: { summary: "Get the targeting rule of a flag" } },
    )
    .get(
      "/rules/:flag_name/history",
      ({ params, query }) => store.rules.history(params.flag_name, query),
      {
        params,
        query: historyQuery,
        detail: { summary: "Audit trail of a flag's rule", description: HISTORY_DESCRIPTION },
      },
    )
    .put(
      "/rules/:flag_name",
      async ({ params, body, principal }) => {
        if (body.rules === undefined && body.is_enabled === undefined)
          throw badRequest(
            "Pelo menos um campo ('rules', 'is_enabled') é obrigatório",
            "NO_FIELDS",
          );
        const rules = body.rules === undefined ? undefined : validRule(body.rules);
        const stored = await store.transaction((tables) =>
          tables.rules.update(principal, params.flag_name, { rules, is_enabled: body.is_enabled }),
        );
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
      async ({ params, set, principal }) => {
        const removed = await store.transaction((tables) =>
          tables.rules.remove(principal, params.flag_name),
        );
        if (removed === undefined) throw ruleNotFound();
        publish({ kind: "rule", name: params.flag_name, action: "deleted" });
        return noContent(set);
      },
      { params, detail: { summary: "Delete the targeting rule of a flag" } },
    );
}
