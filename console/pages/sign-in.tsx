import type { Credentials } from "../api.ts";
import { KeyForm } from "../ui/key-form.tsx";
import { Notice } from "../ui/messages.tsx";
import { usePageHeading } from "../ui/page.ts";

interface SignInProps {
  notice?: string;
  onSignedIn(credentials: Credentials): void;
}

export function SignIn({ notice, onSignedIn }: SignInProps) {
  const heading = usePageHeading("Sign in");
  return (
    <main id="main" class="sign-in">
      <section class="panel">
        <h1 ref={heading} tabIndex={-1}>
          Sign in to ToggleMaster
        </h1>
        {notice && <Notice>{notice}</Notice>}
        <p>
          Keys stay in this browser tab only: closing the tab or signing out forgets them. A new
          installation has no API key yet: sign in with the master key and create one.
        </p>
        <KeyForm kinds={["apiKey", "masterKey"]} submitLabel="Sign in" onAccepted={onSignedIn} />
      </section>
    </main>
  );
}
