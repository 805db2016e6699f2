import { useState } from "preact/hooks";
import type { Flag } from "../api.ts";
import { fieldError } from "../errors.ts";
import { Field, NameField } from "../ui/field.tsx";
import { ErrorMessage } from "../ui/messages.tsx";
import { submitting, useAction } from "../ui/use-action.ts";
import { useSession } from "../use-session.ts";
import { newDraft, type VariantsCheck, variantsOf } from "../variants/variants.ts";
import { VariantsEditor } from "../variants/variants-editor.tsx";

const FIELDS = ["name", "description", "is_enabled", "variants", "default_variant"] as const;

/** The new-flag form; the API's own messages say what is wrong with a field. */
export function CreateFlagForm({ onCreated }: { onCreated(flag: Flag): void }) {
  const { api } = useSession();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [enabled, setEnabled] = useState(false);
  const [ownVariants, setOwnVariants] = useState(false);
  const [variants, setVariants] = useState(newDraft);
  const [variantsProblem, setVariantsProblem] = useState<Exclude<VariantsCheck, { ok: true }>>();
  const create = useAction(async () => {
    setVariantsProblem(undefined);
    const checked = ownVariants ? variantsOf(variants) : undefined;
    if (checked?.ok === false) {
      setVariantsProblem(checked);
      return;
    }
    onCreated(
      await api.createFlag({
        name: name.trim(),
        description,
        is_enabled: enabled,
        ...(checked && { variants: checked.variants, default_variant: checked.defaultVariant }),
      }),
    );
  });

  const problem = fieldError(create.error, FIELDS);
  const errorFor = (field: string) => (problem?.field === field ? problem.message : undefined);
  const refusedVariants = errorFor("variants") ?? errorFor("default_variant");
  return (
    <form class="stack" onSubmit={submitting(create.run)} noValidate aria-label="Create a flag">
      <NameField
        name="name"
        value={name}
        onValue={setName}
        error={errorFor("name")}
        purpose="your code asks for the flag by this name"
      />
      <Field label="Description" error={errorFor("description")}>
        {(control) => (
          <textarea
            {...control}
            name="description"
            rows={2}
            value={description}
            onInput={(event) => setDescription(event.currentTarget.value)}
          />
        )}
      </Field>
      <fieldset class="choice">
        <legend>What it serves</legend>
        <div class="radio">
          <input
            type="radio"
            id="new-flag-boolean"
            name="new-flag-serves"
            checked={!ownVariants}
            onChange={() => setOwnVariants(false)}
          />
          <label for="new-flag-boolean">true or false (variants on and off)</label>
        </div>
        <div class="radio">
          <input
            type="radio"
            id="new-flag-variants"
            name="new-flag-serves"
            checked={ownVariants}
            onChange={() => setOwnVariants(true)}
          />
          <label for="new-flag-variants">Variants of its own: text, numbers or JSON</label>
        </div>
      </fieldset>
      {ownVariants && (
        <VariantsEditor
          draft={variants}
          setDraft={setVariants}
          problem={
            variantsProblem ??
            (refusedVariants === undefined ? undefined : { problem: refusedVariants })
          }
        />
      )}
      <div class="checkbox">
        <input
          id="new-flag-enabled"
          type="checkbox"
          checked={enabled}
          onChange={(event) => setEnabled(event.currentTarget.checked)}
        />
        <label for="new-flag-enabled">Turn it on now</label>
      </div>
      {problem === undefined && <ErrorMessage error={create.error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={create.busy}>
          {create.busy ? "Creating…" : "Create flag"}
        </button>
      </div>
    </form>
  );
}
