import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again; the data shown stays until the new answer replaces it. */
  reload(): Promise<void>;
  /** Replaces the data with what a write answered, without asking the server again. */
  setData(data: T): void;
}

/**
 * Runs `load` when `deps` change and keeps its latest answer. An answer that arrives after a
 * newer load started, or after the component went away, is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  useEffect(() => () => void generation.current++, []);

  const reload = useCallback(async () => {
    const current = ++generation.current;
    setLoading(true);
    try {
      const answer = await load();
      if (current !== generation.current) return;
      setData(() => answer);
      setError(undefined);
    } catch (failure) {
      if (current === generation.current) setError(failure);
    } finally {
      if (current === generation.current) setLoading(false);
    }
  }, deps);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, error, loading, reload, setData: (next: T) => setData(() => next) };
}
