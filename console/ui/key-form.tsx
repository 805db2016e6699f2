import { useState } from "preact/hooks";
import { type Credentials, createApi } from "../api.ts";
import { messageOf } from "../errors.ts";
import { Field } from "./field.tsx";
import { ErrorMessage } from "./messages.tsx";

export type KeyKind = "apiKey" | "masterKey";

const LABELS: Record<KeyKind, { label: string; hint: string }> = {
  apiKey: {
    label: "API key",
    hint: "For flags, targeting, trying flags and analytics. Starts with tm_key_.",
  },
  masterKey: {
    label: "Master key",
    hint: "Only to create and revoke API keys: the MASTER_KEY of auth-service.",
  },
};

/** Asks the platform whether a key works: an API key with /validate, the master key by listing keys. */
async function check(kind: KeyKind, key: string): Promise<void> {
  const api = createApi({ credentials: () => ({ [kind]: key }) });
  if (kind === "apiKey") await api.validateKey();
  else await api.listKeys();
}

interface KeyFormProps {
  kinds: readonly KeyKind[];
  submitLabel: string;
  onAccepted(credentials: Credentials): void;
}

/**
 * Fields for one or more keys, each checked against the platform before it is kept. Empty
 * fields are skipped; at least one key must be given.
 */
export function KeyForm({ kinds, submitLabel, onAccepted }: KeyFormProps) {
  const [values, setValues] = useState<Partial<Record<KeyKind, string>>>({});
  const [errors, setErrors] = useState<Partial<Record<KeyKind, string>>>({});
  const [formError, setFormError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const given = kinds.filter((kind) => (values[kind] ?? "").trim() !== "");
    setErrors({});
    setFormError(undefined);
    if (given.length === 0) {
      const [only] = kinds;
      if (kinds.length === 1 && only !== undefined) setErrors({ [only]: "Enter the key." });
      else setFormError(new Error("Enter an API key, the master key, or both."));
      return;
    }
    setBusy(true);
    const results = await Promise.all(
      given.map(async (kind) => {
        try {
          await check(kind, (values[kind] ?? "").trim());
          return [kind, undefined] as const;
        } catch (error) {
          return [kind, messageOf(error)] as const;
        }
      }),
    );
    setBusy(false);
    const refused = Object.fromEntries(results.filter(([, problem]) => problem !== undefined));
    if (Object.keys(refused).length > 0) {
      setErrors(refused);
      return;
    }
    onAccepted(Object.fromEntries(given.map((kind) => [kind, (values[kind] ?? "").trim()])));
  };

  return (
    <form class="stack" onSubmit={submit} noValidate>
      {kinds.map((kind) => (
        <Field key={kind} label={LABELS[kind].label} hint={LABELS[kind].hint} error={errors[kind]}>
          {(control) => (
            <input
              {...control}
              name={kind}
              type="password"
              autocomplete="off"
              spellcheck={false}
              value={values[kind] ?? ""}
              onInput={(event) => setValues({ ...values, [kind]: event.currentTarget.value })}
            />
          )}
        </Field>
      ))}
      <ErrorMessage error={formError} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Checking…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
