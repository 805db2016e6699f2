import { useState } from "preact/hooks";

/**
 * A write the person started: whether it is running and how it failed, so the form can say
 * so. `run` resolves to whether the action succeeded.
 */
export function useAction<Args extends unknown[]>(action: (...args: Args) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async (...args: Args): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await action(...args);
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

/** A submit handler that runs `action` in place of the browser's page load. */
export const submitting = (action: () => unknown) => (event: Event) => {
  event.preventDefault();
  void action();
};
