import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { ErrorMessage } from "./messages.tsx";
import { submitting, useAction } from "./use-action.ts";

interface ConfirmDialogProps {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  /** "danger" for what cannot be undone. */
  tone?: "danger" | "normal";
  /** When set, the person must type this exactly (e.g. the flag's name) to confirm. */
  typeToConfirm?: string;
  /** Runs the action; the dialog stays open and shows the error if it fails. */
  onConfirm(): Promise<unknown>;
  onClose(): void;
}

/**
 * A modal question before a change that matters. The native dialog keeps focus inside and
 * closes on Escape; focus goes back to where it was when the dialog closes.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  tone = "normal",
  typeToConfirm,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [typed, setTyped] = useState("");
  const action = useAction(onConfirm);

  useEffect(() => {
    const opener = document.activeElement;
    dialog.current?.showModal();
    return () => {
      if (opener instanceof HTMLElement) opener.focus();
    };
  }, []);

  const confirm = async () => {
    if (await action.run()) onClose();
  };
  const { busy, error } = action;

  const confirmed = typeToConfirm === undefined || typed === typeToConfirm;
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-body`}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      <form onSubmit={submitting(confirm)}>
        <h2 id={`${id}-title`}>{title}</h2>
        <div id={`${id}-body`}>{children}</div>
        {typeToConfirm !== undefined && (
          <div class="field">
            <label for={`${id}-typed`}>
              Type <strong>{typeToConfirm}</strong> to confirm
            </label>
            <input
              id={`${id}-typed`}
              value={typed}
              onInput={(event) => setTyped(event.currentTarget.value)}
              autocomplete="off"
              spellcheck={false}
            />
          </div>
        )}
        <ErrorMessage error={error} />
        <div class="actions">
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button
            type="submit"
            class={tone === "danger" ? "danger" : "primary"}
            disabled={busy || !confirmed}
          >
            {busy ? "Working…" : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
