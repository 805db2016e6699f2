import { KeyForm } from "../ui/key-form.tsx";
import { useSession } from "../use-session.ts";

/** Shown where a page needs an API key and the session has only the master key. */
export function NeedsApiKey() {
  const { update } = useSession();
  return (
    <section class="panel" aria-labelledby="needs-api-key">
      <h2 id="needs-api-key">This page needs an API key</h2>
      <p>
        Flags, targeting and analytics are reached with an API key. Create one on the{" "}
        <a href="#/keys">API keys</a> page, or enter one you have.
      </p>
      <KeyForm kinds={["apiKey"]} submitLabel="Use this key" onAccepted={update} />
    </section>
  );
}
