import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api, Credentials } from "./api.ts";

/** The signed-in console: the client and the keys it uses. */
export interface Session {
  api: Api;
  credentials: Credentials;
  /** Adds or replaces keys of the session (undefined forgets that key). */
  update(credentials: Credentials): void;
  signOut(): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error("useSession outside of a signed-in console");
  return session;
}
