import { useState } from "preact/hooks";
import type { Flag } from "../api.ts";
import { fieldError } from "../errors.ts";
import { ErrorMessage } from "../ui/messages.tsx";
import { submitting, useAction } from "../ui/use-action.ts";
import { useSession } from "../use-session.ts";
import { draftOf, isV1, type VariantsCheck, variantsOf } from "./variants.ts";
import { VariantsEditor } from "./variants-editor.tsx";

type Problem = Exclude<VariantsCheck, { ok: true }>;

/** The flag's variants and default: a v1 flag shows what it serves until given its own. */
export function VariantsSection({ flag, onSaved }: { flag: Flag; onSaved(flag: Flag): void }) {
  const { api } = useSession();
  const [editing, setEditing] = useState(!isV1(flag));
  const [draft, setDraft] = useState(() => draftOf(flag.variants, flag.default_variant));
  const [problem, setProblem] = useState<Problem>();
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    setProblem(undefined);
    const checked = variantsOf(draft);
    if (!checked.ok) {
      setProblem(checked);
      return;
    }
    const updated = await api.updateFlag(flag.name, {
      variants: checked.variants,
      default_variant: checked.defaultVariant,
    });
    setDraft(draftOf(updated.variants, updated.default_variant));
    setSaved(true);
    onSaved(updated);
  });
  const refused = fieldError(save.error, ["variants", "default_variant"]);

  return (
    <section class="panel" aria-labelledby="variants-title">
      <h2 id="variants-title">Variants</h2>
      {editing ? (
        <form class="stack" onSubmit={submitting(save.run)} noValidate aria-label="Variants">
          <VariantsEditor
            draft={draft}
            setDraft={(next) => {
              setDraft(next);
              setSaved(false);
            }}
            problem={problem ?? (refused && { problem: refused.message })}
          />
          {refused === undefined && <ErrorMessage error={save.error} />}
          <div class="actions">
            <button type="submit" class="primary" disabled={save.busy}>
              {save.busy ? "Saving…" : "Save variants"}
            </button>
            {saved && <span role="status">Variants saved.</span>}
          </div>
        </form>
      ) : (
        <>
          <p>
            This flag serves <code>true</code> (variant <code>on</code>) or <code>false</code>{" "}
            (variant <code>off</code>), as every v1 flag. Give it variants of its own to serve text,
            numbers or JSON objects.
          </p>
          <button type="button" onClick={() => setEditing(true)}>
            Define variants
          </button>
        </>
      )}
    </section>
  );
}
