import { useId } from "preact/hooks";
import { PlainInput } from "./field.tsx";
import { emptyRow, type TypedRow, VALUE_TYPES, type ValueType } from "./typed-rows.ts";

interface TypedRowsEditorProps {
  legend: string;
  /** What one row is, in the add and remove buttons: "attribute", "metadata entry". */
  noun: string;
  rows: TypedRow[];
  setRows(rows: TypedRow[]): void;
  /** A problem with one row, shown under it. */
  problem?: { row: number; problem: string };
}

/** Rows of name, type and value, added and removed at will. */
export function TypedRowsEditor({ legend, noun, rows, setRows, problem }: TypedRowsEditorProps) {
  const id = useId();
  const change = (index: number, changes: Partial<TypedRow>) =>
    setRows(rows.map((row, at) => (at === index ? { ...row, ...changes } : row)));
  return (
    <fieldset class="attributes">
      <legend>{legend}</legend>
      {rows.map((row, index) => {
        const rowId = `${id}-${index}`;
        const rowProblem = problem?.row === index ? problem.problem : undefined;
        return (
          <div class="attribute-row" key={index}>
            <div class="field">
              <label for={`${rowId}-name`}>Name</label>
              <PlainInput
                id={`${rowId}-name`}
                value={row.name}
                onValue={(name) => change(index, { name })}
              />
            </div>
            <div class="field">
              <label for={`${rowId}-type`}>Type</label>
              <select
                id={`${rowId}-type`}
                value={row.type}
                onChange={(event) => {
                  const type = event.currentTarget.value as ValueType;
                  change(index, { type, value: type === "boolean" ? "true" : row.value });
                }}
              >
                {VALUE_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {type}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for={`${rowId}-value`}>Value</label>
              {row.type === "boolean" ? (
                <select
                  id={`${rowId}-value`}
                  value={row.value}
                  onChange={(event) => change(index, { value: event.currentTarget.value })}
                >
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : (
                <input
                  id={`${rowId}-value`}
                  inputMode={row.type === "number" ? "decimal" : undefined}
                  aria-invalid={rowProblem !== undefined}
                  aria-describedby={rowProblem ? `${rowId}-problem` : undefined}
                  value={row.value}
                  onInput={(event) => change(index, { value: event.currentTarget.value })}
                />
              )}
            </div>
            <button
              type="button"
              class="remove"
              aria-label={`Remove ${noun} ${row.name || index + 1}`}
              onClick={() => setRows(rows.filter((_, at) => at !== index))}
            >
              Remove
            </button>
            {rowProblem && (
              <p class="field-error" id={`${rowId}-problem`}>
                {rowProblem}
              </p>
            )}
          </div>
        );
      })}
      <button type="button" onClick={() => setRows([...rows, emptyRow()])}>
        Add {noun}
      </button>
    </fieldset>
  );
}
