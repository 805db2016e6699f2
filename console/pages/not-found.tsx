import { usePageHeading } from "../ui/page.ts";

export function NotFound() {
  const heading = usePageHeading("Page not found");
  return (
    <section class="panel">
      <h1 ref={heading} tabIndex={-1}>
        Page not found
      </h1>
      <p>
        Nothing lives at this address. <a href="#/flags">Go to the flags</a>.
      </p>
    </section>
  );
}
