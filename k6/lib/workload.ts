// The mixed workload all scripts share: setup creates an API key and flags with 50 % rollout
// rules; each iteration makes exactly one request (so the arrival rate is the request rate),
// mostly /evaluate over many users and flags, some OFREP bulk evaluations, a few writes.

import { check, fail } from "k6";
import {
  createApiKey,
  createFlag,
  createRule,
  deleteFlag,
  deleteRule,
  evaluate,
  evaluateAllOfrep,
  jsonField,
  rewriteRule,
  updateFlagDescription,
} from "./api.ts";
import type { Settings } from "./settings.ts";

export interface Session {
  apiKey: string;
  flagNames: string[];
}

export function setupWorkload(settings: Settings, script: string): Session {
  const runId = `${script}-${Date.now().toString(36)}`;
  const apiKey = settings.apiKey ?? newApiKey(settings, runId);
  const flagNames = Array.from(
    { length: settings.flags },
    (_, index) => `k6-${runId}-${index + 1}`,
  );
  for (const name of flagNames) {
    expectStatus(createFlag(settings.urls, apiKey, name), 201, `POST /flags ${name}`);
    expectStatus(createRule(settings.urls, apiKey, name), 201, `POST /rules ${name}`);
  }
  return { apiKey, flagNames };
}

function newApiKey(settings: Settings, runId: string): string {
  if (!settings.masterKey) {
    fail("Set MASTER_KEY (to create an API key) or API_KEY (to use an existing one).");
  }
  const response = createApiKey(settings.urls, settings.masterKey, `k6-${runId}`);
  expectStatus(response, 201, "POST /admin/keys");
  const key = jsonField(response, "key");
  if (typeof key !== "string") fail("POST /admin/keys answered without a key");
  return key;
}

function expectStatus(response: { status: number; body: unknown }, status: number, what: string) {
  if (response.status !== status) {
    fail(`${what} answered ${response.status} instead of ${status}: ${String(response.body)}`);
  }
}

export function runIteration(settings: Settings, session: Session): void {
  const { urls, mix } = settings;
  const user = `user-${Math.floor(Math.random() * settings.users)}`;
  const flag = pick(session.flagNames);
  const draw = Math.random();
  if (draw < mix.evaluate) {
    const response = evaluate(urls, user, flag);
    check(response, {
      "evaluate answers a boolean": (r) =>
        r.status === 200 && typeof jsonField(r, "result") === "boolean",
    });
  } else if (draw < mix.evaluate + mix.ofrep) {
    const response = evaluateAllOfrep(urls, session.apiKey, user);
    check(response, {
      "OFREP answers a flag list": (r) => r.status === 200 && Array.isArray(jsonField(r, "flags")),
    });
  } else if (Math.random() < 0.5) {
    const response = updateFlagDescription(urls, session.apiKey, flag, `load test ${Date.now()}`);
    check(response, { "flag update succeeds": (r) => r.status === 200 });
  } else {
    const response = rewriteRule(urls, session.apiKey, flag);
    check(response, { "rule update succeeds": (r) => r.status === 200 });
  }
}

/** Removes what setup created; a failed delete shows as a failed check, not as a failed run. */
export function teardownWorkload(settings: Settings, session: Session): void {
  for (const name of session.flagNames) {
    const rule = deleteRule(settings.urls, session.apiKey, name);
    const flag = deleteFlag(settings.urls, session.apiKey, name);
    check(
      { rule, flag },
      {
        "cleanup deletes the test flags": (r) => r.rule.status === 204 && r.flag.status === 204,
      },
    );
  }
}

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) fail("setup created no flags (FLAGS must be ≥ 1)");
  return item;
}
