import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { type Credentials, createApi } from "./api.ts";
import { FlagPage } from "./pages/flag.tsx";
import { FlagdPage } from "./pages/flagd.tsx";
import { FlagsPage } from "./pages/flags.tsx";
import { KeysPage } from "./pages/keys.tsx";
import { NotFound } from "./pages/not-found.tsx";
import { SegmentPage } from "./pages/segment.tsx";
import { SegmentsPage } from "./pages/segments.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { FLAGD_HREF, KEYS_HREF, parseRoute, type Route, SEGMENTS_HREF } from "./router.ts";
import { forgetCredentials, loadCredentials, saveCredentials } from "./session.ts";
import { ErrorBoundary } from "./ui/error-boundary.tsx";
import { type Session, SessionContext } from "./use-session.ts";

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  return route;
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "flags":
      return <FlagsPage search={route.search} state={route.state} />;
    case "flag":
      return <FlagPage name={route.name} />;
    case "keys":
      return <KeysPage />;
    case "segments":
      return <SegmentsPage />;
    case "segment":
      return <SegmentPage name={route.name} />;
    case "flagd":
      return <FlagdPage />;
    case "not-found":
      return <NotFound />;
  }
}

const REFUSED_KEY =
  "The platform refused your API key (revoked or mistyped). Enter a valid key to go on.";

export function App() {
  const [credentials, setCredentials] = useState(() => loadCredentials(sessionStorage));
  const [notice, setNotice] = useState<string>();
  const route = useRoute();
  const current = useRef(credentials);
  current.current = credentials;

  const update = (next: Credentials) => {
    saveCredentials(sessionStorage, next);
    setCredentials(next);
  };

  const api = useMemo(
    () =>
      createApi({
        credentials: () => current.current,
        // A 401 means the API key itself was refused: forget it rather than fail every call.
        fetch: async (url, init) => {
          const response = await fetch(url, init);
          if (response.status === 401 && current.current.apiKey !== undefined) {
            setNotice(REFUSED_KEY);
            update({ ...current.current, apiKey: undefined });
          }
          return response;
        },
      }),
    [],
  );

  const session: Session = {
    api,
    credentials,
    update: (changes) => {
      setNotice(undefined);
      update({ ...credentials, ...changes });
    },
    signOut: () => {
      forgetCredentials(sessionStorage);
      setCredentials({});
      setNotice("Signed out. The keys were forgotten by this tab.");
    },
  };

  if (credentials.apiKey === undefined && credentials.masterKey === undefined)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(given) => {
          setNotice(undefined);
          update(given);
        }}
      />
    );

  const here = route.page === "flag" ? "flags" : route.page === "segment" ? "segments" : route.page;
  return (
    <SessionContext.Provider value={session}>
      <button
        type="button"
        class="skip-link"
        onClick={() => document.getElementById("main")?.focus()}
      >
        Skip to content
      </button>
      <header class="topbar">
        <a class="brand" href="#/flags">
          ToggleMaster
        </a>
        <nav aria-label="Main">
          <a href="#/flags" aria-current={here === "flags" ? "page" : undefined}>
            Flags
          </a>
          <a href={SEGMENTS_HREF} aria-current={here === "segments" ? "page" : undefined}>
            Segments
          </a>
          <a href={FLAGD_HREF} aria-current={here === "flagd" ? "page" : undefined}>
            Import/export
          </a>
          <a href={KEYS_HREF} aria-current={here === "keys" ? "page" : undefined}>
            API keys
          </a>
        </nav>
        <button type="button" class="sign-out" onClick={session.signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {notice && (
          <p class="message message-notice" role="status">
            {notice}
          </p>
        )}
        <ErrorBoundary key={"name" in route ? `${route.page}:${route.name}` : route.page}>
          <Page route={route} />
        </ErrorBoundary>
      </main>
    </SessionContext.Provider>
  );
}
