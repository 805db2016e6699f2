import { useState } from "preact/hooks";
import type { Flag } from "../api.ts";
import { ErrorMessage } from "../ui/messages.tsx";
import { rowsOf, type TypedRow, typedValues } from "../ui/typed-rows.ts";
import { TypedRowsEditor } from "../ui/typed-rows-editor.tsx";
import { submitting, useAction } from "../ui/use-action.ts";
import { useSession } from "../use-session.ts";

/** The flag's metadata: named texts, numbers and booleans that OFREP answers carry. */
export function MetadataSection({ flag, onSaved }: { flag: Flag; onSaved(flag: Flag): void }) {
  const { api } = useSession();
  const [rows, setRows] = useState<TypedRow[]>(() => rowsOf(flag.metadata ?? {}));
  const [problem, setProblem] = useState<{ row: number; problem: string }>();
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    setProblem(undefined);
    const checked = typedValues(rows);
    if (!checked.ok) {
      setProblem(checked);
      return;
    }
    const updated = await api.updateFlag(flag.name, { metadata: checked.values });
    setRows(rowsOf(updated.metadata ?? {}));
    setSaved(true);
    onSaved(updated);
  });

  return (
    <section class="panel" aria-labelledby="metadata-title">
      <h2 id="metadata-title">Metadata</h2>
      <p class="hint">
        Facts about the flag, such as its team or ticket, handed to applications with every OFREP
        answer.
      </p>
      <form class="stack" onSubmit={submitting(save.run)} noValidate aria-label="Metadata">
        <TypedRowsEditor
          legend="Metadata entries"
          noun="metadata entry"
          rows={rows}
          setRows={(next) => {
            setRows(next);
            setSaved(false);
          }}
          problem={problem}
        />
        <ErrorMessage error={save.error} />
        <div class="actions">
          <button type="submit" disabled={save.busy}>
            {save.busy ? "Saving…" : "Save metadata"}
          </button>
          {saved && <span role="status">Metadata saved.</span>}
        </div>
      </form>
    </section>
  );
}
