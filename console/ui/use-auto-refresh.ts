import { useEffect } from "preact/hooks";

/**
 * Calls `refresh` every `intervalMs` while the tab is visible, and once as soon as a hidden
 * tab shows again: a background tab costs the platform nothing.
 */
export function useAutoRefresh(refresh: () => unknown, intervalMs: number) {
  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.hidden) refresh();
    }, intervalMs);
    const onVisible = () => {
      if (!document.hidden) refresh();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [refresh, intervalMs]);
}
