import { Field } from "../ui/field.tsx";
import { formatJson } from "../ui/json.ts";
import { TargetingBuilder } from "./builder.tsx";
import type { EditorProps } from "./kinds.tsx";

/** flagd targeting as JSON text, with a builder that writes the common cases into it. */
export function JsonLogicEditor({ draft, setDraft, error, variants }: EditorProps) {
  return (
    <>
      <TargetingBuilder
        variants={variants}
        onBuilt={(targeting) => setDraft(formatJson(targeting))}
      />
      <Field
        label="Targeting (JsonLogic)"
        hint={
          <>
            JsonLogic with flagd's <code>fractional</code>, <code>sem_ver</code>,{" "}
            <code>starts_with</code>, <code>ends_with</code> and <code>$ref</code> to segments. It
            answers a variant's name; null serves the default variant.
          </>
        }
        error={error}
      >
        {(control) => (
          <textarea
            {...control}
            class="code"
            rows={10}
            spellcheck={false}
            value={draft}
            onInput={(event) => setDraft(event.currentTarget.value)}
          />
        )}
      </Field>
    </>
  );
}
