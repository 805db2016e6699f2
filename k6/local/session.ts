// Prepares and cleans up a local run with fetch, like the k6 scripts' setup and teardown:
// an API key (from MASTER_KEY, unless API_KEY is given) and flags with 50 % rollout rules.

import type { Settings } from "../lib/settings.ts";

export interface Session {
  apiKey: string;
  flagNames: string[];
}

export class LocalRunError extends Error {}

const REQUEST_TIMEOUT_MS = 5_000;

export async function createSession(settings: Settings, runId: string): Promise<Session> {
  const apiKey = settings.apiKey ?? (await newApiKey(settings, runId));
  const flagNames = Array.from(
    { length: settings.flags },
    (_, index) => `local-${runId}-${index + 1}`,
  );
  for (const name of flagNames) {
    await call("POST", `${settings.urls.flag}/flags`, apiKey, 201, {
      name,
      description: "created by the local load runner",
      is_enabled: true,
    });
    await call("POST", `${settings.urls.targeting}/rules`, apiKey, 201, {
      flag_name: name,
      rules: { type: "PERCENTAGE", value: 50 },
    });
  }
  return { apiKey, flagNames };
}

async function newApiKey(settings: Settings, runId: string): Promise<string> {
  if (!settings.masterKey) {
    throw new LocalRunError(
      "MASTER_KEY is not set: give the master key the auth service runs with (or API_KEY to use an existing key)",
    );
  }
  const body = await call("POST", `${settings.urls.auth}/admin/keys`, settings.masterKey, 201, {
    name: `local-${runId}`,
  });
  const key = (body as { key?: unknown } | null)?.key;
  if (typeof key !== "string") throw new LocalRunError("POST /admin/keys answered without a key");
  return key;
}

/** Deletes what createSession made; returns the names it could not delete. */
export async function deleteSession(settings: Settings, session: Session): Promise<string[]> {
  const leftovers: string[] = [];
  for (const name of session.flagNames) {
    const path = encodeURIComponent(name);
    try {
      await call("DELETE", `${settings.urls.targeting}/rules/${path}`, session.apiKey, 204);
      await call("DELETE", `${settings.urls.flag}/flags/${path}`, session.apiKey, 204);
    } catch {
      leftovers.push(name);
    }
  }
  return leftovers;
}

async function call(
  method: string,
  url: string,
  bearer: string,
  expected: number,
  body?: unknown,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${bearer}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new LocalRunError(
      `${method} ${url} failed (${(error as Error).message}); is the stack running (bun dev)?`,
    );
  }
  const text = await response.text();
  if (response.status !== expected) {
    throw new LocalRunError(
      `${method} ${url} answered ${response.status} instead of ${expected}: ${text}`,
    );
  }
  return text ? JSON.parse(text) : null;
}
