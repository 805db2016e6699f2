import { useState } from "preact/hooks";
import type { Flag, RuleType, TargetingRule } from "../api.ts";
import { fieldError } from "../errors.ts";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { ErrorMessage, Loading } from "../ui/messages.tsx";
import { submitting, useAction } from "../ui/use-action.ts";
import { useLoad } from "../ui/use-load.ts";
import { useSession } from "../use-session.ts";
import { isV1, variantNames } from "../variants/variants.ts";
import { RULE_KINDS, ruleTypesFor } from "./kinds.tsx";

interface RuleFormProps {
  flag: Flag;
  rule: TargetingRule | undefined;
  onSaved(rule: TargetingRule): void;
  onCancel?: () => void;
}

/** Picks the kind of rule and edits it; each kind keeps its own draft while another is shown. */
function RuleForm({ flag, rule, onSaved, onCancel }: RuleFormProps) {
  const { api } = useSession();
  const flagName = flag.name;
  // A rule of a kind the flag would not be offered (imported, say) stays editable.
  const types = [...new Set([...ruleTypesFor(isV1(flag)), ...(rule ? [rule.rules.type] : [])])];
  const [type, setType] = useState<RuleType>(rule?.rules.type ?? types[0] ?? "JSONLOGIC");
  const [drafts, setDrafts] = useState(
    () =>
      Object.fromEntries(
        types.map((kind) => [kind, RULE_KINDS[kind].draftOf(rule?.rules)]),
      ) as Record<RuleType, string>,
  );
  const [saved, setSaved] = useState(false);
  const kind = RULE_KINDS[type];

  const save = useAction(async () => {
    setSaved(false);
    const rules = kind.toRule(drafts[type]);
    const stored =
      rule === undefined
        ? await api.createRule(flagName, rules)
        : await api.updateRule(flagName, { rules });
    setDrafts({ ...drafts, [type]: kind.draftOf(stored.rules) });
    setSaved(true);
    onSaved(stored);
  });

  const problem = fieldError(save.error, [kind.field, "rules.type", "rules"]);
  return (
    <form class="stack" onSubmit={submitting(save.run)} noValidate aria-label="Targeting rule">
      <fieldset class="choice">
        <legend>What users get while the flag is on</legend>
        {types.map((option) => (
          <div class="radio" key={option}>
            <input
              type="radio"
              id={`rule-type-${option}`}
              name="rule-type"
              value={option}
              checked={type === option}
              onChange={() => {
                setType(option);
                save.setError(undefined);
              }}
            />
            <label for={`rule-type-${option}`}>{RULE_KINDS[option].label}</label>
          </div>
        ))}
      </fieldset>
      <kind.Editor
        draft={drafts[type]}
        variants={variantNames(flag)}
        setDraft={(text) => {
          setDrafts({ ...drafts, [type]: text });
          setSaved(false);
        }}
        error={problem?.message}
      />
      {problem === undefined && <ErrorMessage error={save.error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          {save.busy ? "Saving…" : "Save rule"}
        </button>
        {saved && <span role="status">Rule saved.</span>}
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function RuleActions({
  rule,
  withoutRule,
  onChanged,
}: {
  rule: TargetingRule;
  /** What every user gets without the rule. */
  withoutRule: string;
  onChanged(rule?: TargetingRule): void;
}) {
  const { api } = useSession();
  const [deleting, setDeleting] = useState(false);
  const toggle = useAction(async () =>
    onChanged(await api.updateRule(rule.flag_name, { is_enabled: !rule.is_enabled })),
  );
  return (
    <>
      <div class="actions">
        <button type="button" onClick={() => toggle.run()}>
          {rule.is_enabled ? "Pause rule" : "Activate rule"}
        </button>
        <button type="button" class="danger" onClick={() => setDeleting(true)}>
          Delete rule
        </button>
      </div>
      <ErrorMessage error={toggle.error} />
      {deleting && (
        <ConfirmDialog
          title={`Delete the rule of ${rule.flag_name}?`}
          confirmLabel="Delete rule"
          tone="danger"
          onConfirm={async () => {
            await api.deleteRule(rule.flag_name);
            onChanged(undefined);
          }}
          onClose={() => setDeleting(false)}
        >
          <p>Without a rule, every user gets {withoutRule} while the flag is on.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** What every user of an enabled flag gets without a rule: true, or the default variant. */
function servedWithoutRule(flag: Flag): string {
  if (isV1(flag)) return "true";
  if (flag.default_variant) return `the default variant, ${flag.default_variant}`;
  return "the application's own default";
}

interface RuleSectionProps {
  flag: Flag;
  /** Called after every change of the rule. */
  onChange(): void;
}

/** The flag's targeting: what its rule decides, and the controls to change it. */
export function RuleSection({ flag, onChange }: RuleSectionProps) {
  const { api } = useSession();
  const rule = useLoad(() => api.getRule(flag.name), [flag.name]);
  const [adding, setAdding] = useState(false);
  const current = rule.data;
  const changed = (next: TargetingRule | undefined) => {
    rule.setData(next);
    onChange();
  };
  const withoutRule = servedWithoutRule(flag);

  let status: string;
  if (current === undefined)
    status = `No rule: while the flag is on, every user gets ${withoutRule}.`;
  else if (!current.is_enabled)
    status = `The rule is paused: while the flag is on, every user gets ${withoutRule}.`;
  else status = RULE_KINDS[current.rules.type].describe(current.rules);

  return (
    <section class="panel" aria-labelledby="targeting">
      <h2 id="targeting">Targeting</h2>
      {rule.loading && current === undefined && rule.error === undefined ? (
        <Loading what="the rule" />
      ) : (
        <>
          <ErrorMessage error={rule.error} />
          {!flag.is_enabled && (
            <p class="hint">
              The flag is off: every user gets{" "}
              {isV1(flag) ? "false" : "the application's own default"} until it is turned on.
            </p>
          )}
          <p class="rule-status" role="status">
            {status}
          </p>
          {current !== undefined && (
            <RuleActions rule={current} withoutRule={withoutRule} onChanged={changed} />
          )}
          {current !== undefined || adding ? (
            <RuleForm
              flag={flag}
              rule={current}
              onSaved={(saved) => {
                changed(saved);
                setAdding(false);
              }}
              onCancel={current === undefined ? () => setAdding(false) : undefined}
            />
          ) : (
            rule.error === undefined && (
              <button type="button" class="primary" onClick={() => setAdding(true)}>
                Add a rule
              </button>
            )
          )}
        </>
      )}
    </section>
  );
}
