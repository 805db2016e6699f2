import type { HistoryEntry, HistoryPage } from "../api.ts";
import { ErrorMessage, Loading } from "../ui/messages.tsx";
import { useAction } from "../ui/use-action.ts";
import { useLoad } from "../ui/use-load.ts";
import { actorOf, changesOf, type Subject, summaryOf } from "./changes.ts";
import { loadOlder, mergeHistories } from "./merge.ts";

/** One history to show: what it is of, and how to read a page of it. */
export interface HistorySource {
  subject: Subject;
  load(before?: number): Promise<HistoryPage>;
}

function Change({ entry, subject }: { entry: HistoryEntry; subject: Subject }) {
  const changes = changesOf(subject, entry.before, entry.after);
  return (
    <li class="history-entry">
      <p>
        <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time>{" "}
        <strong>{actorOf(entry.key)}</strong> {summaryOf(subject, entry)}
      </p>
      {changes.length > 0 && (
        <ul class="diff">
          {changes.map(({ field, before, after }) => (
            <li key={field}>
              <code>{field}</code>:{" "}
              {before !== undefined && (
                <>
                  <span class="visually-hidden">was </span>
                  <del>{before}</del>
                </>
              )}
              {before !== undefined && after !== undefined && <span aria-hidden="true"> → </span>}
              {after !== undefined && (
                <>
                  <span class="visually-hidden">{before === undefined ? "set to " : " now "}</span>
                  <ins>{after}</ins>
                </>
              )}
              {after === undefined && <span class="meta"> (removed)</span>}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

interface ChangeHistoryProps {
  sources: HistorySource[];
  /** Anything that, when it changes, means the history has grown: it is read again. */
  version: unknown;
}

/**
 * The changes of one or more records, newest first, in one list with "show older changes"
 * paging; who made each, when, and the fields it changed, before and after.
 */
export function ChangeHistory({ sources, version }: ChangeHistoryProps) {
  const histories = useLoad(
    () => Promise.all(sources.map(async (source) => ({ source, page: await source.load() }))),
    [version],
  );
  const older = useAction(async () => {
    if (histories.data !== undefined) histories.setData(await loadOlder(histories.data));
  });

  if (histories.data === undefined)
    return histories.error ? (
      <ErrorMessage error={histories.error} />
    ) : (
      <Loading what="the history" />
    );
  const { shown, more } = mergeHistories(histories.data);
  return (
    <>
      <ErrorMessage error={histories.error ?? older.error} />
      {shown.length === 0 ? (
        <p>No change recorded yet.</p>
      ) : (
        <ol class="history">
          {shown.map(({ entry, source }) => (
            <Change key={`${source.subject}-${entry.id}`} entry={entry} subject={source.subject} />
          ))}
        </ol>
      )}
      {more && (
        <button type="button" onClick={() => older.run()} disabled={older.busy}>
          {older.busy ? "Loading…" : "Show older changes"}
        </button>
      )}
    </>
  );
}
