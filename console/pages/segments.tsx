import { useState } from "preact/hooks";
import { segmentHref } from "../router.ts";
import { SegmentForm } from "../segments/segment-form.tsx";
import { ErrorMessage, Loading } from "../ui/messages.tsx";
import { usePageHeading } from "../ui/page.ts";
import { useLoad } from "../ui/use-load.ts";
import { useSession } from "../use-session.ts";
import { NeedsApiKey } from "./needs-key.tsx";

/** Every segment, and a form for a new one. */
export function SegmentsPage() {
  const { api, credentials } = useSession();
  const heading = usePageHeading("Segments");
  const [creating, setCreating] = useState(false);
  const segments = useLoad(
    () => (credentials.apiKey === undefined ? Promise.resolve([]) : api.listSegments()),
    [credentials.apiKey],
  );

  return (
    <>
      <div class="page-head">
        <h1 ref={heading} tabIndex={-1}>
          Segments
        </h1>
        {credentials.apiKey !== undefined && (
          <button
            type="button"
            class="primary"
            aria-expanded={creating}
            aria-controls="create-segment"
            onClick={() => setCreating(!creating)}
          >
            New segment
          </button>
        )}
      </div>
      <p>
        A segment is a group of users described once, as JsonLogic, and used by any flag's targeting
        with <code>{'{"$ref": "segment-name"}'}</code>: changing it changes every flag that uses it.
      </p>
      {credentials.apiKey === undefined ? (
        <NeedsApiKey />
      ) : (
        <>
          {creating && (
            <section id="create-segment" class="panel" aria-labelledby="create-segment-title">
              <h2 id="create-segment-title">New segment</h2>
              <SegmentForm
                onSaved={(segment) => {
                  location.hash = segmentHref(segment.name);
                }}
              />
            </section>
          )}
          <ErrorMessage error={segments.error} />
          {segments.data === undefined ? (
            segments.error === undefined && <Loading what="the segments" />
          ) : segments.data.length === 0 ? (
            <p class="panel">No segment yet.</p>
          ) : (
            <ul class="flag-list">
              {segments.data.map((segment) => (
                <li key={segment.name} class="flag-row">
                  <div class="flag-summary">
                    <a href={segmentHref(segment.name)} class="flag-name">
                      {segment.name}
                    </a>
                    {segment.description && <p>{segment.description}</p>}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </>
  );
}
