import { useState } from "preact/hooks";
import type { ImportAnswer, ImportResult } from "../api.ts";
import { FieldError, fieldError, messageOf } from "../errors.ts";
import { flagHref } from "../router.ts";
import { Field } from "../ui/field.tsx";
import { formatJson, isJsonObject } from "../ui/json.ts";
import { ErrorMessage } from "../ui/messages.tsx";
import { usePageHeading } from "../ui/page.ts";
import { submitting, useAction } from "../ui/use-action.ts";
import { useSession } from "../use-session.ts";
import { NeedsApiKey } from "./needs-key.tsx";

/** The changed entries an answer lists by name; past this many, it says how many more. */
const LISTED = 50;

/** Saves `text` as a file the browser downloads. */
function download(fileName: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

/** "3 created, 1 updated, 8 unchanged", leaving out what did not happen. */
function tally(entries: { result: ImportResult }[]) {
  const counts = (["created", "updated", "unchanged"] as const)
    .map((result) => [result, entries.filter((entry) => entry.result === result).length] as const)
    .filter(([, count]) => count > 0);
  return counts.length === 0 ? "none" : counts.map(([result, n]) => `${n} ${result}`).join(", ");
}

function ImportSummary({ answer }: { answer: ImportAnswer }) {
  const changed = answer.flags.filter((flag) => flag.result !== "unchanged");
  return (
    <section class="panel" aria-labelledby="import-result" role="status">
      <h2 id="import-result">Imported</h2>
      <p>
        Flags: {tally(answer.flags)}. Segments: {tally(answer.segments)}. The flag set's metadata:{" "}
        {answer.metadata}.
      </p>
      {changed.length > 0 && (
        <ul>
          {changed.slice(0, LISTED).map(({ key, result }) => (
            <li key={key}>
              <a href={flagHref(key)}>{key}</a> {result}
            </li>
          ))}
          {changed.length > LISTED && <li>and {changed.length - LISTED} more</li>}
        </ul>
      )}
    </section>
  );
}

/** The whole configuration as one flagd document: downloaded, or imported from a file. */
export function FlagdPage() {
  const { api, credentials } = useSession();
  const heading = usePageHeading("Import and export");
  const [file, setFile] = useState<File>();
  const [answer, setAnswer] = useState<ImportAnswer>();

  const importing = useAction(async () => {
    setAnswer(undefined);
    if (file === undefined) throw new FieldError("document", "Choose a flagd document first.");
    let parsed: unknown;
    try {
      parsed = JSON.parse(await file.text());
    } catch (error) {
      throw new FieldError("document", `${file.name} is not JSON: ${messageOf(error)}`);
    }
    if (!isJsonObject(parsed))
      throw new FieldError("document", `${file.name} is not a flagd document: no "flags" object.`);
    setAnswer(await api.importFlagd(parsed));
  });
  const exporting = useAction(async () => {
    download("flags.json", `${formatJson(await api.exportFlagd())}\n`);
  });
  const problem = fieldError(importing.error, ["document"]);

  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        Import and export
      </h1>
      <p>
        Every flag, its targeting and the segments, as one{" "}
        <a href="https://flagd.dev/reference/flag-definitions/">flagd flag-definition document</a>:
        what flagd reads, and what this platform imports unchanged.
      </p>
      {credentials.apiKey === undefined ? (
        <NeedsApiKey />
      ) : (
        <>
          <section class="panel" aria-labelledby="export-title">
            <h2 id="export-title">Export</h2>
            <p>Download the whole configuration; importing it again changes nothing.</p>
            <button type="button" disabled={exporting.busy} onClick={() => exporting.run()}>
              {exporting.busy ? "Exporting…" : "Download flags.json"}
            </button>
            <ErrorMessage error={exporting.error} />
          </section>
          <section class="panel" aria-labelledby="import-title">
            <h2 id="import-title">Import</h2>
            <form onSubmit={submitting(importing.run)}>
              <Field
                label="flagd document"
                hint="A JSON file of up to 1 MiB. Its flags and segments are created or replaced; those it does not name are left alone. A document with a problem changes nothing."
                error={problem?.message}
              >
                {(control) => (
                  <input
                    {...control}
                    type="file"
                    accept=".json,application/json"
                    onChange={(event) => setFile(event.currentTarget.files?.[0])}
                  />
                )}
              </Field>
              <div class="actions">
                <button type="submit" class="primary" disabled={importing.busy}>
                  {importing.busy ? "Importing…" : "Import"}
                </button>
              </div>
              {problem === undefined && <ErrorMessage error={importing.error} />}
            </form>
          </section>
          {answer && <ImportSummary answer={answer} />}
        </>
      )}
    </>
  );
}
