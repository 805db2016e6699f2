import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type ApiKeySummary, type CreatedKey } from "../api.ts";
import { ChangeHistory } from "../audit/history.tsx";
import { fieldError } from "../errors.ts";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { Field } from "../ui/field.tsx";
import { KeyForm } from "../ui/key-form.tsx";
import { ErrorMessage, Loading } from "../ui/messages.tsx";
import { usePageHeading } from "../ui/page.ts";
import { submitting, useAction } from "../ui/use-action.ts";
import { useLoad } from "../ui/use-load.ts";
import { useSession } from "../use-session.ts";

/** The clear key, once: copy it now or never see it again. */
function NewKey({ created, onDone }: { created: CreatedKey; onDone(): void }) {
  const { update, credentials } = useSession();
  const [copied, setCopied] = useState<string>();
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied("Copied.");
    } catch {
      setCopied("Copying was refused by the browser: select the key and copy it yourself.");
    }
  };
  return (
    <section class="panel new-key" aria-labelledby="new-key-title">
      <h2 id="new-key-title">Key {created.name} created</h2>
      <p lang="pt">{created.message}</p>
      <div class="field">
        <label for="new-key-value">The new key</label>
        <div class="copy-row">
          <input
            id="new-key-value"
            ref={field}
            class="secret"
            readOnly
            value={created.key}
            onFocus={(event) => event.currentTarget.select()}
          />
          <button type="button" onClick={copy}>
            Copy
          </button>
        </div>
        <p class="hint" role="status">
          {copied}
        </p>
      </div>
      <div class="actions">
        {credentials.apiKey === undefined && (
          <button type="button" onClick={() => update({ apiKey: created.key })}>
            Use it in this console
          </button>
        )}
        <button type="button" class="primary" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </section>
  );
}

function CreateKeyForm({ onCreated }: { onCreated(created: CreatedKey): void }) {
  const { api } = useSession();
  const [name, setName] = useState("");
  const create = useAction(async () => {
    onCreated(await api.createKey(name));
    setName("");
  });
  const nameError = fieldError(create.error, ["name"]);
  return (
    <form
      class="inline-form"
      onSubmit={submitting(create.run)}
      noValidate
      aria-label="Create an API key"
    >
      <Field
        label="Name"
        hint="Who or what will use it, e.g. checkout-web."
        error={nameError?.message}
      >
        {(control) => (
          <input
            {...control}
            name="key-name"
            autocomplete="off"
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        )}
      </Field>
      <button type="submit" class="primary" disabled={create.busy}>
        Create key
      </button>
      {nameError === undefined && <ErrorMessage error={create.error} />}
    </form>
  );
}

function KeyRow({ apiKey, onRevoked }: { apiKey: ApiKeySummary; onRevoked(): void }) {
  const { api } = useSession();
  const [asking, setAsking] = useState(false);
  return (
    <li class="key-row">
      <div>
        <strong>{apiKey.name}</strong> <span class="meta">#{apiKey.id}</span>
        <p class="meta">Created {new Date(apiKey.created_at).toLocaleString()}</p>
      </div>
      <span class={`badge ${apiKey.is_active ? "badge-on" : "badge-off"}`}>
        {apiKey.is_active ? "Active" : "Revoked"}
      </span>
      {apiKey.is_active && (
        <button
          type="button"
          class="danger"
          aria-label={`Revoke ${apiKey.name} (#${apiKey.id})`}
          onClick={() => setAsking(true)}
        >
          Revoke
        </button>
      )}
      {asking && (
        <ConfirmDialog
          title={`Revoke ${apiKey.name}?`}
          confirmLabel="Revoke key"
          tone="danger"
          onConfirm={async () => {
            await api.revokeKey(apiKey.id);
            onRevoked();
          }}
          onClose={() => setAsking(false)}
        >
          <p>
            Applications using key #{apiKey.id} are refused within 30 seconds. A revoked key cannot
            be turned back on.
          </p>
        </ConfirmDialog>
      )}
    </li>
  );
}

export function KeysPage() {
  const { api, credentials, update } = useSession();
  const heading = usePageHeading("API keys");
  const [created, setCreated] = useState<CreatedKey>();
  const keys = useLoad(
    () => (credentials.masterKey === undefined ? Promise.resolve([]) : api.listKeys()),
    [credentials.masterKey],
  );
  const refused = keys.error instanceof ApiError && keys.error.status === 403;

  return (
    <>
      <div class="page-head">
        <h1 ref={heading} tabIndex={-1}>
          API keys
        </h1>
        {credentials.masterKey !== undefined && (
          <button type="button" onClick={() => update({ masterKey: undefined })}>
            Forget the master key
          </button>
        )}
      </div>
      {credentials.masterKey === undefined || refused ? (
        <section class="panel" aria-labelledby="master-key">
          <h2 id="master-key">Managing keys needs the master key</h2>
          {refused && <ErrorMessage error={keys.error} />}
          <KeyForm kinds={["masterKey"]} submitLabel="Unlock" onAccepted={update} />
        </section>
      ) : (
        <>
          {created ? (
            <NewKey created={created} onDone={() => setCreated(undefined)} />
          ) : (
            <section class="panel" aria-labelledby="create-key">
              <h2 id="create-key">Create a key</h2>
              <CreateKeyForm
                onCreated={(key) => {
                  setCreated(key);
                  void keys.reload();
                }}
              />
            </section>
          )}
          <section class="panel" aria-labelledby="all-keys">
            <h2 id="all-keys">All keys</h2>
            <ErrorMessage error={keys.error} />
            {keys.data === undefined ? (
              keys.error === undefined && <Loading what="the keys" />
            ) : keys.data.length === 0 ? (
              <p>No key yet: create one above and give it to an application.</p>
            ) : (
              <ul class="key-list">
                {keys.data.map((key) => (
                  <KeyRow key={key.id} apiKey={key} onRevoked={keys.reload} />
                ))}
              </ul>
            )}
          </section>
          <section class="panel" aria-labelledby="key-history">
            <h2 id="key-history">Change history</h2>
            <ChangeHistory
              version={keys.data}
              sources={[{ subject: "key", load: (before) => api.keysHistory(before) }]}
            />
          </section>
        </>
      )}
    </>
  );
}
