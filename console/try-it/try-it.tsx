import { useState } from "preact/hooks";
import type { Evaluation } from "../api.ts";
import { Field, PlainInput } from "../ui/field.tsx";
import { ErrorMessage } from "../ui/messages.tsx";
import type { TypedRow } from "../ui/typed-rows.ts";
import { TypedRowsEditor } from "../ui/typed-rows-editor.tsx";
import { submitting, useAction } from "../ui/use-action.ts";
import { useSession } from "../use-session.ts";
import { buildContext } from "./context.ts";
import { describeValue } from "./value.ts";

function Result({ evaluation }: { evaluation: Evaluation }) {
  const value = describeValue(evaluation);
  const metadata =
    Object.keys(evaluation.metadata ?? {}).length > 0 ? evaluation.metadata : undefined;
  const terms: [string, string, string | undefined][] = [
    ["Value", "value", value?.text],
    ["Type", "type", value?.type],
    ["Variant", "variant", evaluation.variant],
    ["Reason", "reason", evaluation.reason],
    ["Error code", "error-code", evaluation.errorCode],
    ["Error details", "error-details", evaluation.errorDetails],
    ["Metadata", "metadata", metadata && JSON.stringify(metadata)],
  ];
  return (
    <>
      <dl class="result">
        {terms
          .filter(([, , text]) => text !== undefined)
          .map(([term, name, text]) => (
            <div
              key={name}
              class={value?.type === "object" && name === "value" ? "wide" : undefined}
            >
              <dt>{term}</dt>
              <dd data-term={name}>
                {value?.type === "object" && name === "value" ? <pre>{text}</pre> : text}
              </dd>
            </div>
          ))}
      </dl>
      {value === undefined && evaluation.errorCode === undefined && (
        <p class="hint">No value: the application gets the default it asked with.</p>
      )}
    </>
  );
}

/**
 * "What does this user get?": evaluates the flag through OFREP, as an application's SDK
 * would, for a targeting key and any attributes.
 */
export function TryIt({ flagName }: { flagName: string }) {
  const { api } = useSession();
  const [targetingKey, setTargetingKey] = useState("");
  const [rows, setRows] = useState<TypedRow[]>([]);
  const [problem, setProblem] = useState<{ row: number; problem: string }>();
  const [evaluation, setEvaluation] = useState<Evaluation>();

  const evaluate = useAction(async () => {
    setProblem(undefined);
    setEvaluation(undefined);
    const checked = buildContext(targetingKey, rows);
    if (!checked.ok) {
      setProblem(checked);
      return;
    }
    setEvaluation(await api.evaluateFlag(flagName, checked.context));
  });

  return (
    <section class="panel" aria-labelledby="try-it">
      <h2 id="try-it">Try it: what does a user get?</h2>
      <form class="stack" onSubmit={submitting(evaluate.run)} noValidate>
        <Field label="User id (targeting key)">
          {(control) => (
            <PlainInput
              {...control}
              name="targetingKey"
              value={targetingKey}
              onValue={setTargetingKey}
            />
          )}
        </Field>
        <TypedRowsEditor
          legend="Attributes (optional)"
          noun="attribute"
          rows={rows}
          setRows={setRows}
          problem={problem}
        />
        <div class="actions">
          <button type="submit" class="primary" disabled={evaluate.busy}>
            {evaluate.busy ? "Evaluating…" : "Evaluate"}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        <ErrorMessage error={evaluate.error} />
        {evaluation && <Result evaluation={evaluation} />}
      </div>
      <p class="hint">
        Asked the way an application's OpenFeature SDK asks (OFREP). Each answer here counts in the
        evaluations below.
      </p>
    </section>
  );
}
