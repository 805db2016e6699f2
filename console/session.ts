/**
 * Where the console keeps the keys it signs in with: the tab's sessionStorage, so a reload
 * keeps the session and closing the tab ends it. Never localStorage or a cookie: a key must
 * not outlive the tab nor travel with requests the console did not make.
 */
import type { Credentials } from "./api.ts";

const API_KEY = "togglemaster.apiKey";
const MASTER_KEY = "togglemaster.masterKey";

export function loadCredentials(storage: Storage): Credentials {
  return {
    apiKey: storage.getItem(API_KEY) ?? undefined,
    masterKey: storage.getItem(MASTER_KEY) ?? undefined,
  };
}

export function saveCredentials(storage: Storage, { apiKey, masterKey }: Credentials): void {
  for (const [name, value] of [
    [API_KEY, apiKey],
    [MASTER_KEY, masterKey],
  ] as const) {
    if (value === undefined) storage.removeItem(name);
    else storage.setItem(name, value);
  }
}

export function forgetCredentials(storage: Storage): void {
  storage.removeItem(API_KEY);
  storage.removeItem(MASTER_KEY);
}
