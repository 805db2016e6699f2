import { useState } from "preact/hooks";
import { AnalyticsSection } from "../analytics/analytics-section.tsx";
import type { Flag } from "../api.ts";
import { ChangeHistory } from "../audit/history.tsx";
import { fieldError } from "../errors.ts";
import { RuleSection } from "../targeting/rule-section.tsx";
import { TryIt } from "../try-it/try-it.tsx";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { Field } from "../ui/field.tsx";
import { ErrorMessage, Loading, Notice } from "../ui/messages.tsx";
import { usePageHeading } from "../ui/page.ts";
import { submitting, useAction } from "../ui/use-action.ts";
import { useLoad } from "../ui/use-load.ts";
import { useSession } from "../use-session.ts";
import { isV1 } from "../variants/variants.ts";
import { VariantsSection } from "../variants/variants-section.tsx";
import { FlagStateToggle, StateBadge } from "./flag-state.tsx";
import { MetadataSection } from "./metadata-section.tsx";
import { NeedsApiKey } from "./needs-key.tsx";

const formatTime = (iso: string) => new Date(iso).toLocaleString();

function DescriptionForm({ flag, onSaved }: { flag: Flag; onSaved(flag: Flag): void }) {
  const { api } = useSession();
  const [text, setText] = useState(flag.description);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    onSaved(await api.updateFlag(flag.name, { description: text }));
    setSaved(true);
  });

  const problem = fieldError(save.error, ["description"]);
  return (
    <form class="stack" onSubmit={submitting(save.run)} noValidate>
      <Field label="Description" error={problem?.message}>
        {(control) => (
          <textarea
            {...control}
            rows={3}
            value={text}
            onInput={(event) => {
              setText(event.currentTarget.value);
              setSaved(false);
            }}
          />
        )}
      </Field>
      {problem === undefined && <ErrorMessage error={save.error} />}
      <div class="actions">
        <button type="submit" disabled={save.busy || text === flag.description}>
          Save description
        </button>
        {saved && <span role="status">Saved.</span>}
      </div>
    </form>
  );
}

function DeleteFlag({ flag }: { flag: Flag }) {
  const { api } = useSession();
  const [asking, setAsking] = useState(false);
  return (
    <section class="panel danger-zone" aria-labelledby="delete-flag">
      <h2 id="delete-flag">Delete this flag</h2>
      <p>
        Applications asking for it will get{" "}
        {isV1(flag) ? "false" : "FLAG_NOT_FOUND and their own default"}, as for any unknown flag.
      </p>
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        Delete {flag.name}
      </button>
      {asking && (
        <ConfirmDialog
          title={`Delete ${flag.name}?`}
          confirmLabel="Delete flag"
          tone="danger"
          typeToConfirm={flag.name}
          onConfirm={async () => {
            await api.deleteFlag(flag.name);
            location.hash = "#/flags";
          }}
          onClose={() => setAsking(false)}
        >
          <p>
            The flag <strong>{flag.name}</strong> and its settings are deleted. This cannot be
            undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** The flag's changes and its rule's, in one list. */
function FlagHistory({ name, version }: { name: string; version: unknown }) {
  const { api } = useSession();
  return (
    <section class="panel" aria-labelledby="history">
      <h2 id="history">Change history</h2>
      <ChangeHistory
        version={version}
        sources={[
          { subject: "flag", load: (before) => api.flagHistory(name, before) },
          { subject: "rule", load: (before) => api.ruleHistory(name, before) },
        ]}
      />
    </section>
  );
}

export function FlagPage({ name }: { name: string }) {
  const { api, credentials } = useSession();
  const heading = usePageHeading(name);
  const [ruleChanges, setRuleChanges] = useState(0);
  const flag = useLoad(
    () => (credentials.apiKey === undefined ? Promise.resolve(undefined) : api.getFlag(name)),
    [name, credentials.apiKey],
  );

  const back = (
    <p class="breadcrumb">
      <a href="#/flags">All flags</a>
    </p>
  );
  // One heading element in every state, so the focus it takes on arrival survives the load.
  const head = (
    <div class="page-head">
      <h1 ref={heading} tabIndex={-1}>
        {name}
      </h1>
      {flag.data !== undefined && (
        <>
          <StateBadge enabled={flag.data.is_enabled} />
          <FlagStateToggle flag={flag.data} onChanged={flag.setData} />
        </>
      )}
    </div>
  );
  if (credentials.apiKey === undefined)
    return (
      <>
        {back}
        {head}
        <NeedsApiKey />
      </>
    );
  if (flag.data === undefined)
    return (
      <>
        {back}
        {head}
        {flag.error ? (
          <ErrorMessage error={flag.error} />
        ) : flag.loading ? (
          <Loading what="the flag" />
        ) : (
          <Notice>There is no flag named {name}.</Notice>
        )}
      </>
    );

  const current = flag.data;
  return (
    <>
      {back}
      {head}
      <p class="meta">
        Created {formatTime(current.created_at)} · last changed {formatTime(current.updated_at)}
      </p>
      <section class="panel" aria-labelledby="about">
        <h2 id="about">About</h2>
        <DescriptionForm flag={current} onSaved={flag.setData} />
      </section>
      <VariantsSection flag={current} onSaved={flag.setData} />
      <MetadataSection flag={current} onSaved={flag.setData} />
      <RuleSection flag={current} onChange={() => setRuleChanges((count) => count + 1)} />
      <TryIt flagName={current.name} />
      <AnalyticsSection flag={current} />
      <FlagHistory name={current.name} version={`${current.updated_at} ${ruleChanges}`} />
      <DeleteFlag flag={current} />
    </>
  );
}
