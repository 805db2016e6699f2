/**
 * flag-service's calls to targeting-service, made with the caller's own credential so
 * targeting authenticates and audits the same key. Every call has a timeout; a failure is an
 * HttpError naming targeting, never a guessed answer.
 */
import { HttpError } from "@togglemaster/shared/errors";
import {
  type RuleRecord,
  type SegmentRecord,
  TARGETING_IMPORT_PATH,
  TARGETING_RESTORE_PATH,
  type TargetingImport,
  type TargetingImportAnswer,
  type TargetingState,
} from "@togglemaster/shared/flagd-targeting";

const targetingTimeout = () =>
  new HttpError(504, "Serviço de targeting indisponível (timeout)", "TARGETING_TIMEOUT");
const targetingDown = () =>
  new HttpError(503, "Serviço de targeting indisponível", "TARGETING_UNAVAILABLE");
const targetingRefused = (status: number, message: string) =>
  new HttpError(
    502,
    `Serviço de targeting recusou a operação (${status}): ${message}`,
    "TARGETING_REJECTED",
  );

/** Who is calling: the credential targeting is to check, and the request being served. */
export interface Caller {
  credential: string;
  requestId: string;
}

export interface TargetingClientOptions {
  url: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createTargetingClient({
  url,
  timeoutMs = 5_000,
  fetch: send = fetch,
}: TargetingClientOptions) {
  async function call<T>(caller: Caller, method: string, path: string, body?: unknown) {
    // One deadline for the answer and its body.
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await send(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${caller.credential}`,
          "x-request-id": caller.requestId,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      const answer = (await response.json().catch(() => undefined)) as unknown;
      if (response.ok && answer !== undefined) return answer as T;
      if (signal.aborted) throw targetingTimeout();
      if (response.status >= 500 || answer === undefined) throw targetingDown();
      const { error, code } = answer as { error?: unknown; code?: unknown };
      // The request's fault (content targeting cannot store, a rule created meanwhile) is the
      // caller's to see as it is; anything else means flag and targeting disagree.
      if (response.status === 400 || response.status === 409)
        throw new HttpError(response.status, String(error), String(code));
      throw targetingRefused(response.status, String(error));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw signal.aborted ? targetingTimeout() : targetingDown();
    }
  }

  return {
    rules: (caller: Caller) => call<RuleRecord[]>(caller, "GET", "/rules"),
    segments: (caller: Caller) => call<SegmentRecord[]>(caller, "GET", "/segments"),
    applyImport: (caller: Caller, request: TargetingImport) =>
      call<TargetingImportAnswer>(caller, "PUT", TARGETING_IMPORT_PATH, request),
    restore: (caller: Caller, state: TargetingState) =>
      call<{ restored: number }>(caller, "PUT", TARGETING_RESTORE_PATH, state),
  };
}

export type TargetingClient = ReturnType<typeof createTargetingClient>;
