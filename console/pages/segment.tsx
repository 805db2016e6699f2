import { useState } from "preact/hooks";
import type { Segment } from "../api.ts";
import { ChangeHistory } from "../audit/history.tsx";
import { SEGMENTS_HREF } from "../router.ts";
import { SegmentForm } from "../segments/segment-form.tsx";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { ErrorMessage, Loading, Notice } from "../ui/messages.tsx";
import { usePageHeading } from "../ui/page.ts";
import { useLoad } from "../ui/use-load.ts";
import { useSession } from "../use-session.ts";
import { NeedsApiKey } from "./needs-key.tsx";

function DeleteSegment({ segment }: { segment: Segment }) {
  const { api } = useSession();
  const [asking, setAsking] = useState(false);
  return (
    <section class="panel danger-zone" aria-labelledby="delete-segment">
      <h2 id="delete-segment">Delete this segment</h2>
      <p>Rules that use it answer PARSE_ERROR until it exists again.</p>
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        Delete {segment.name}
      </button>
      {asking && (
        <ConfirmDialog
          title={`Delete the segment ${segment.name}?`}
          confirmLabel="Delete segment"
          tone="danger"
          onConfirm={async () => {
            await api.deleteSegment(segment.name);
            location.hash = SEGMENTS_HREF;
          }}
          onClose={() => setAsking(false)}
        >
          <p>
            Every flag whose targeting uses <code>{`{"$ref": "${segment.name}"}`}</code> answers
            PARSE_ERROR from then on. Its history stays readable.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

/** One segment: its definition to edit, its history, and its deletion. */
export function SegmentPage({ name }: { name: string }) {
  const { api, credentials } = useSession();
  const heading = usePageHeading(name);
  const segment = useLoad(
    () => (credentials.apiKey === undefined ? Promise.resolve(undefined) : api.getSegment(name)),
    [name, credentials.apiKey],
  );

  const current = segment.data;
  return (
    <>
      <p class="breadcrumb">
        <a href={SEGMENTS_HREF}>All segments</a>
      </p>
      <h1 ref={heading} tabIndex={-1}>
        {name}
      </h1>
      {credentials.apiKey === undefined ? (
        <NeedsApiKey />
      ) : current === undefined ? (
        segment.error ? (
          <ErrorMessage error={segment.error} />
        ) : segment.loading ? (
          <Loading what="the segment" />
        ) : (
          <Notice>There is no segment named {name}.</Notice>
        )
      ) : (
        <>
          <p class="meta">
            Rules use it as <code>{`{"$ref": "${current.name}"}`}</code> · last changed{" "}
            {new Date(current.updated_at).toLocaleString()}
          </p>
          <section class="panel" aria-labelledby="definition">
            <h2 id="definition">Definition</h2>
            <SegmentForm segment={current} onSaved={segment.setData} />
          </section>
          <section class="panel" aria-labelledby="history">
            <h2 id="history">Change history</h2>
            <ChangeHistory
              version={current.updated_at}
              sources={[{ subject: "segment", load: (before) => api.segmentHistory(name, before) }]}
            />
          </section>
          <DeleteSegment segment={current} />
        </>
      )}
    </>
  );
}
