import type { ComponentChildren, JSX } from "preact";
import { useId } from "preact/hooks";

/** What a control needs to be tied to its label, hint and error. */
export interface ControlProps {
  id: string;
  "aria-invalid": boolean;
  "aria-describedby"?: string;
}

interface FieldProps {
  label: ComponentChildren;
  hint?: ComponentChildren;
  /** The message shown under the control, e.g. the API's validation message. */
  error?: string;
  class?: string;
  children: (control: ControlProps) => JSX.Element;
}

/** A labelled control with its hint and error message, both read out with it. */
export function Field({ label, hint, error, class: className, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint && hintId, error && errorId].filter(Boolean).join(" ");
  return (
    <div class={`field${className ? ` ${className}` : ""}`}>
      <label for={id}>{label}</label>
      {children({
        id,
        "aria-invalid": error !== undefined,
        ...(describedBy && { "aria-describedby": describedBy }),
      })}
      {hint && (
        <p class="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

interface PlainInputProps extends Partial<ControlProps> {
  name?: string;
  placeholder?: string;
  inputMode?: "decimal";
  value: string;
  onValue(value: string): void;
}

/** A one-line control for names, ids and codes: nothing suggested, nothing spell-checked. */
export function PlainInput({ onValue, ...props }: PlainInputProps) {
  return (
    <input
      autocomplete="off"
      spellcheck={false}
      {...props}
      onInput={(event) => onValue(event.currentTarget.value)}
    />
  );
}

interface NameFieldProps {
  value: string;
  onValue(value: string): void;
  error?: string;
  /** The form field's name. */
  name: string;
  /** What the name is used for, e.g. "your code asks for the flag by this name". */
  purpose: string;
}

/** The name of a new flag or segment: URL-safe, as the platform wants it. */
export function NameField({ value, onValue, error, name, purpose }: NameFieldProps) {
  return (
    <Field label="Name" hint={`Letters, digits, '_', '-', '.' and ':'; ${purpose}.`} error={error}>
      {(control) => <PlainInput {...control} name={name} value={value} onValue={onValue} />}
    </Field>
  );
}
