import { useEffect, useRef } from "preact/hooks";

/**
 * Titles the tab after the page and moves focus to its heading, so a keyboard or screen
 * reader user starts reading the page they just opened, not the link they left.
 */
export function usePageHeading(title: string) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · ToggleMaster`;
  }, [title]);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return heading;
}
