import { useState } from "preact/hooks";
import type { Flag } from "../api.ts";
import { flagHref, flagsHref, STATE_FILTERS, type StateFilter } from "../router.ts";
import { ErrorMessage, Loading } from "../ui/messages.tsx";
import { usePageHeading } from "../ui/page.ts";
import { useLoad } from "../ui/use-load.ts";
import { useSession } from "../use-session.ts";
import { CreateFlagForm } from "./create-flag.tsx";
import { matchesFilter } from "./flag-filter.ts";
import { FlagStateToggle, StateBadge } from "./flag-state.tsx";
import { NeedsApiKey } from "./needs-key.tsx";

const STATE_LABELS: Record<StateFilter, string> = {
  all: "All",
  enabled: "On",
  disabled: "Off",
};

/** A new installation's first screen: what a flag is and how to make the first one. */
function FirstFlag({ onCreated }: { onCreated(flag: Flag): void }) {
  return (
    <section class="panel empty" aria-labelledby="first-flag">
      <h2 id="first-flag">No flags yet</h2>
      <p>
        A flag is a switch your application asks about for each user. Create the first one here,
        then give it a rollout on its page and ask for it from your code:
      </p>
      <pre>
        <code>GET /evaluate?user_id=user-123&amp;flag_name=your-flag</code>
      </pre>
      <CreateFlagForm onCreated={onCreated} />
    </section>
  );
}

export function FlagsPage(props: { search: string; state: StateFilter }) {
  const { api, credentials } = useSession();
  const heading = usePageHeading("Flags");
  const [search, setSearch] = useState(props.search);
  const [state, setState] = useState(props.state);
  const [creating, setCreating] = useState(false);
  const flags = useLoad(
    () => (credentials.apiKey === undefined ? Promise.resolve([]) : api.listFlags()),
    [credentials.apiKey],
  );

  // The filters live in the address, so a reload or a shared link keeps them; replaceState
  // leaves the back button for real navigation.
  const filter = (nextSearch: string, nextState: StateFilter) => {
    setSearch(nextSearch);
    setState(nextState);
    history.replaceState(null, "", flagsHref(nextSearch, nextState));
  };
  const open = (flag: Flag) => {
    location.hash = flagHref(flag.name);
  };
  const replace = (changed: Flag) =>
    flags.setData((flags.data ?? []).map((flag) => (flag.name === changed.name ? changed : flag)));

  const title = (
    <h1 ref={heading} tabIndex={-1}>
      Flags
    </h1>
  );
  if (credentials.apiKey === undefined)
    return (
      <>
        {title}
        <NeedsApiKey />
      </>
    );
  if (flags.data === undefined)
    return (
      <>
        {title}
        {flags.error ? <ErrorMessage error={flags.error} /> : <Loading what="flags" />}
      </>
    );
  if (flags.data.length === 0)
    return (
      <>
        {title}
        <ErrorMessage error={flags.error} />
        <FirstFlag onCreated={open} />
      </>
    );

  const shown = flags.data.filter((flag) => matchesFilter(flag, search, state));
  return (
    <>
      <div class="page-head">
        {title}
        <button
          type="button"
          class="primary"
          aria-expanded={creating}
          aria-controls="create-flag"
          onClick={() => setCreating(!creating)}
        >
          New flag
        </button>
      </div>
      {creating && (
        <section id="create-flag" class="panel" aria-labelledby="create-flag-title">
          <h2 id="create-flag-title">New flag</h2>
          <CreateFlagForm onCreated={open} />
        </section>
      )}
      <ErrorMessage error={flags.error} />
      <search class="filters">
        <div class="field">
          <label for="flag-search">Search</label>
          <input
            id="flag-search"
            type="search"
            placeholder="Name or description"
            value={search}
            onInput={(event) => filter(event.currentTarget.value, state)}
          />
        </div>
        <div class="field">
          <label for="flag-state">State</label>
          <select
            id="flag-state"
            value={state}
            onChange={(event) => filter(search, event.currentTarget.value as StateFilter)}
          >
            {STATE_FILTERS.map((value) => (
              <option key={value} value={value}>
                {STATE_LABELS[value]}
              </option>
            ))}
          </select>
        </div>
      </search>
      <p class="count" role="status">
        {shown.length === flags.data.length
          ? `${flags.data.length} flags`
          : `${shown.length} of ${flags.data.length} flags`}
      </p>
      {shown.length === 0 ? (
        <p class="panel">
          No flag matches these filters.{" "}
          <button type="button" class="link" onClick={() => filter("", "all")}>
            Clear the filters
          </button>
        </p>
      ) : (
        <ul class="flag-list">
          {shown.map((flag) => (
            <li key={flag.name} class="flag-row">
              <div class="flag-summary">
                <a href={flagHref(flag.name)} class="flag-name">
                  {flag.name}
                </a>
                {flag.description && <p>{flag.description}</p>}
              </div>
              <StateBadge enabled={flag.is_enabled} />
              <FlagStateToggle flag={flag} onChanged={replace} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
