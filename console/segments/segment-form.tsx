import { useState } from "preact/hooks";
import type { JsonObject, Segment } from "../api.ts";
import { fieldError } from "../errors.ts";
import { Field, NameField } from "../ui/field.tsx";
import { formatJson, parseJson } from "../ui/json.ts";
import { ErrorMessage } from "../ui/messages.tsx";
import { submitting, useAction } from "../ui/use-action.ts";
import { useSession } from "../use-session.ts";

const FIELDS = ["name", "definition", "description"] as const;

interface SegmentFormProps {
  /** The segment to edit; without one, the form creates a segment. */
  segment?: Segment;
  onSaved(segment: Segment): void;
}

/** A segment's definition (JSON) and description; its name too when it is new. */
export function SegmentForm({ segment, onSaved }: SegmentFormProps) {
  const { api } = useSession();
  const [name, setName] = useState("");
  const [description, setDescription] = useState(segment?.description ?? "");
  const [definition, setDefinition] = useState(segment ? formatJson(segment.definition) : "");
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    // Any JSON goes to the API, whose message says what a definition must be.
    const parsed = parseJson(definition, "definition", "the definition") as JsonObject;
    const stored =
      segment === undefined
        ? await api.createSegment({ name: name.trim(), definition: parsed, description })
        : await api.updateSegment(segment.name, { definition: parsed, description });
    setDefinition(formatJson(stored.definition));
    setSaved(true);
    onSaved(stored);
  });

  const problem = fieldError(save.error, FIELDS);
  const errorFor = (field: string) => (problem?.field === field ? problem.message : undefined);
  return (
    <form
      class="stack"
      onSubmit={submitting(save.run)}
      noValidate
      aria-label={segment ? `Edit ${segment.name}` : "Create a segment"}
    >
      {segment === undefined && (
        <NameField
          name="segment-name"
          value={name}
          onValue={setName}
          error={errorFor("name")}
          purpose="rules use the segment by this name"
        />
      )}
      <Field label="Description" error={errorFor("description")}>
        {(control) => (
          <input
            {...control}
            name="segment-description"
            autocomplete="off"
            value={description}
            onInput={(event) => {
              setDescription(event.currentTarget.value);
              setSaved(false);
            }}
          />
        )}
      </Field>
      <Field
        label="Definition (JsonLogic)"
        hint={
          <>
            True for the users in the segment, e.g.{" "}
            <code>{'{"ends_with": [{"var": "email"}, "@example.com"]}'}</code>.
          </>
        }
        error={errorFor("definition")}
      >
        {(control) => (
          <textarea
            {...control}
            name="segment-definition"
            class="code"
            rows={6}
            spellcheck={false}
            value={definition}
            onInput={(event) => {
              setDefinition(event.currentTarget.value);
              setSaved(false);
            }}
          />
        )}
      </Field>
      {problem === undefined && <ErrorMessage error={save.error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          {save.busy ? "Saving…" : segment ? "Save segment" : "Create segment"}
        </button>
        {saved && segment && <span role="status">Segment saved.</span>}
      </div>
    </form>
  );
}
