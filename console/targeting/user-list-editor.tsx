import { Field } from "../ui/field.tsx";
import type { EditorProps } from "./kinds.tsx";
import { parseUserList } from "./user-list.ts";

/** A box to paste ids into, however they are separated, with a count of what will be saved. */
export function UserListEditor({ draft, setDraft, error }: EditorProps) {
  const { ids, duplicates } = parseUserList(draft);
  return (
    <Field
      label="User ids"
      hint={
        <>
          Paste ids one per line or separated by commas.{" "}
          <span aria-live="polite">
            {ids.length} {ids.length === 1 ? "user" : "users"}
            {duplicates > 0 &&
              ` (${duplicates} repeated ${duplicates === 1 ? "id" : "ids"} left out)`}
            .
          </span>
        </>
      }
      error={error}
    >
      {(control) => (
        <textarea
          {...control}
          rows={6}
          spellcheck={false}
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
      )}
    </Field>
  );
}
