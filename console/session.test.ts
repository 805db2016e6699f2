import { expect, test } from "bun:test";
import { forgetCredentials, loadCredentials, saveCredentials } from "./session.ts";

/** sessionStorage's interface over a Map, to see exactly what is kept. */
function memoryStorage(): Storage & { entries(): [string, string][] } {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
    entries: () => [...items],
  };
}

test("keys are kept, replaced, and forgotten one by one or all at once", () => {
  const storage = memoryStorage();
  expect(loadCredentials(storage)).toEqual({ apiKey: undefined, masterKey: undefined });
  saveCredentials(storage, { apiKey: "tm_key_a", masterKey: "master" });
  expect(loadCredentials(storage)).toEqual({ apiKey: "tm_key_a", masterKey: "master" });
  saveCredentials(storage, { apiKey: "tm_key_b" });
  expect(loadCredentials(storage)).toEqual({ apiKey: "tm_key_b", masterKey: undefined });
  forgetCredentials(storage);
  expect(storage.entries()).toEqual([]);
});
