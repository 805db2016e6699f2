import { useId } from "preact/hooks";
import { PlainInput } from "../ui/field.tsx";
import {
  retype,
  VARIANT_TYPE_LABELS,
  VARIANT_TYPES,
  type VariantRow,
  type VariantsDraft,
  type VariantType,
  withoutRow,
} from "./variants.ts";

interface VariantsEditorProps {
  draft: VariantsDraft;
  setDraft(draft: VariantsDraft): void;
  /** A problem found in the draft (with its row and control) or the API's message about the variants. */
  problem?: { row?: number; field?: "name" | "value"; problem: string };
}

function ValueControl({
  id,
  type,
  row,
  invalid,
  describedBy,
  onChange,
}: {
  id: string;
  type: VariantType;
  row: VariantRow;
  invalid: boolean;
  describedBy?: string;
  onChange(value: string): void;
}) {
  const common = { id, "aria-invalid": invalid, "aria-describedby": describedBy };
  if (type === "boolean")
    return (
      <select
        {...common}
        value={row.value}
        onChange={(event) => onChange(event.currentTarget.value)}
      >
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  if (type === "object")
    return (
      <textarea
        {...common}
        class="code"
        rows={3}
        spellcheck={false}
        value={row.value}
        onInput={(event) => onChange(event.currentTarget.value)}
      />
    );
  return (
    <PlainInput
      {...common}
      inputMode={type === "number" ? "decimal" : undefined}
      value={row.value}
      onValue={onChange}
    />
  );
}

/**
 * A flag's variants: their type, one row per variant (named, valued, removable) and the
 * default among them. Renaming the default variant keeps it the default.
 */
export function VariantsEditor({ draft, setDraft, problem }: VariantsEditorProps) {
  const id = useId();
  const change = (index: number, changes: Partial<VariantRow>) =>
    setDraft({
      ...draft,
      rows: draft.rows.map((row, at) => (at === index ? { ...row, ...changes } : row)),
    });
  const generalProblem = problem?.row === undefined ? problem?.problem : undefined;
  return (
    <div class="stack">
      <div class="field">
        <label for={`${id}-type`}>Type of the values</label>
        <select
          id={`${id}-type`}
          value={draft.type}
          onChange={(event) => setDraft(retype(draft, event.currentTarget.value as VariantType))}
        >
          {VARIANT_TYPES.map((type) => (
            <option key={type} value={type}>
              {VARIANT_TYPE_LABELS[type]}
            </option>
          ))}
        </select>
      </div>
      <fieldset class="variants">
        <legend>Variants</legend>
        {draft.rows.map((row, index) => {
          const rowId = `${id}-${index}`;
          const rowProblem = problem?.row === index ? problem.problem : undefined;
          const problemId = `${rowId}-problem`;
          const invalid = (field: "name" | "value") =>
            rowProblem !== undefined && problem?.field === field;
          return (
            <div
              class={`variant-row${draft.type === "object" ? " variant-row-object" : ""}`}
              key={index}
            >
              <div class="field">
                <label for={`${rowId}-name`}>Name</label>
                <PlainInput
                  id={`${rowId}-name`}
                  aria-invalid={invalid("name")}
                  aria-describedby={invalid("name") ? problemId : undefined}
                  value={row.name}
                  onValue={(name) => change(index, { name })}
                />
              </div>
              <div class="field">
                <label for={`${rowId}-value`}>Value</label>
                <ValueControl
                  id={`${rowId}-value`}
                  type={draft.type}
                  row={row}
                  invalid={invalid("value")}
                  describedBy={invalid("value") ? problemId : undefined}
                  onChange={(value) => change(index, { value })}
                />
              </div>
              <button
                type="button"
                class="remove"
                aria-label={`Remove variant ${row.name || index + 1}`}
                onClick={() => setDraft(withoutRow(draft, index))}
              >
                Remove
              </button>
              {rowProblem && (
                <p class="field-error" id={problemId}>
                  {rowProblem}
                </p>
              )}
            </div>
          );
        })}
        <button
          type="button"
          onClick={() =>
            setDraft({
              ...draft,
              rows: [...draft.rows, { name: "", value: draft.type === "boolean" ? "true" : "" }],
            })
          }
        >
          Add variant
        </button>
      </fieldset>
      <div class="field">
        <label for={`${id}-default`}>Default variant</label>
        <select
          id={`${id}-default`}
          aria-describedby={`${id}-default-hint`}
          value={draft.defaultRow === null ? "" : String(draft.defaultRow)}
          onChange={(event) => {
            const value = event.currentTarget.value;
            setDraft({ ...draft, defaultRow: value === "" ? null : Number(value) });
          }}
        >
          {draft.rows.map((row, index) => (
            <option key={index} value={String(index)}>
              {row.name.trim() || `Variant ${index + 1} (no name yet)`}
            </option>
          ))}
          <option value="">None: the application's own default</option>
        </select>
        <p class="hint" id={`${id}-default-hint`}>
          Served when targeting picks no variant, and to everyone while there is no rule.
        </p>
      </div>
      {generalProblem && (
        <p class="field-error" role="alert">
          {generalProblem}
        </p>
      )}
    </div>
  );
}
