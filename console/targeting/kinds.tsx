/**
 * The kinds of targeting the console can edit, each with its editor. A kind keeps what is
 * being typed as text (a number, a pasted list) and turns it into the API's rule document
 * on save, so the API's validation speaks for every kind. The v1 kinds serve a v1 flag's
 * variants, on and off; JsonLogic targeting serves any flag's.
 */
import type { FunctionComponent } from "preact";
import type { JsonObject, RuleDocument, RuleType } from "../api.ts";
import { formatJson, parseJson } from "../ui/json.ts";
import { JsonLogicEditor } from "./jsonlogic-editor.tsx";
import { PercentageEditor } from "./percentage-editor.tsx";
import { formatUserList, parseUserList } from "./user-list.ts";
import { UserListEditor } from "./user-list-editor.tsx";

export interface EditorProps {
  draft: string;
  setDraft(text: string): void;
  /** The API's message about this rule's field, if the last save was refused for it. */
  error?: string;
  /** The names of the variants the flag serves. */
  variants: string[];
}

export interface RuleKind {
  label: string;
  /** The rule document's field that the API's messages name. */
  field: string;
  /** The text to edit: from the stored rule when it is of this kind, else a safe start. */
  draftOf(rule: RuleDocument | undefined): string;
  /** Throws a FieldError when the draft cannot even be sent (JSON that does not parse). */
  toRule(draft: string): RuleDocument;
  /** What the rule decides, in one sentence. */
  describe(rule: RuleDocument): string;
  Editor: FunctionComponent<EditorProps>;
}

export const RULE_KINDS: Record<RuleType, RuleKind> = {
  PERCENTAGE: {
    label: "A percentage of users",
    field: "rules.value",
    draftOf: (rule) => (rule?.type === "PERCENTAGE" ? String(rule.value) : "0"),
    // An empty field is sent as null, so the API's message explains what a value must be.
    toRule: (draft) => ({
      type: "PERCENTAGE",
      value: draft.trim() === "" ? Number.NaN : Number(draft),
    }),
    describe: (rule) =>
      rule.type === "PERCENTAGE"
        ? `${rule.value} % of users get true, always the same ones: a user's share follows from their id and the flag's name.`
        : "",
    Editor: PercentageEditor,
  },
  USER_LIST: {
    label: "A list of users",
    field: "rules.values",
    draftOf: (rule) => (rule?.type === "USER_LIST" ? formatUserList(rule.values) : ""),
    toRule: (draft) => ({ type: "USER_LIST", values: parseUserList(draft).ids }),
    describe: (rule) =>
      rule.type === "USER_LIST"
        ? `${rule.values.length} listed ${rule.values.length === 1 ? "user gets" : "users get"} true; everyone else gets false.`
        : "",
    Editor: UserListEditor,
  },
  JSONLOGIC: {
    label: "Targeting on attributes (JsonLogic)",
    field: "rules.targeting",
    draftOf: (rule) => (rule?.type === "JSONLOGIC" ? formatJson(rule.targeting) : ""),
    // Any JSON goes to the API, whose message says what targeting must be.
    toRule: (draft) => ({
      type: "JSONLOGIC",
      targeting: parseJson(draft, "rules.targeting", "the targeting") as JsonObject,
    }),
    describe: () =>
      "Targeting on attributes: JsonLogic picks each user's variant from their context; a user it picks none for gets the default variant.",
    Editor: JsonLogicEditor,
  },
};

/** The kinds a flag can use: a v1 flag all of them, a flag with its own variants JsonLogic only. */
export const ruleTypesFor = (v1: boolean): RuleType[] =>
  v1 ? ["PERCENTAGE", "USER_LIST", "JSONLOGIC"] : ["JSONLOGIC"];
