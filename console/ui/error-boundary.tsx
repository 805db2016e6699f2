import { Component, type ComponentChildren } from "preact";
import { messageOf } from "../errors.ts";

interface State {
  error?: unknown;
}

/** A page that throws while rendering shows what went wrong instead of a blank screen. */
export class ErrorBoundary extends Component<{ children: ComponentChildren }, State> {
  override state: State = {};

  static override getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override render() {
    if (this.state.error === undefined) return this.props.children;
    return (
      <section class="panel" role="alert">
        <h1>Something went wrong on this page</h1>
        <p>{messageOf(this.state.error)}</p>
        <p>
          <button type="button" onClick={() => this.setState({ error: undefined })}>
            Try again
          </button>{" "}
          <a href="#/flags">Back to the flags</a>
        </p>
      </section>
    );
  }
}
