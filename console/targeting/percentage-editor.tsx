import { useId } from "preact/hooks";
import type { EditorProps } from "./kinds.tsx";
import { sliderPosition } from "./percentage.ts";

/** A slider for quick moves and a number field for an exact value, always showing the same. */
export function PercentageEditor({ draft, setDraft, error }: EditorProps) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div class="field percentage">
      <label for={`${id}-range`}>Rollout percentage</label>
      <div class="percentage-controls">
        <input
          id={`${id}-range`}
          type="range"
          min={0}
          max={100}
          step={1}
          value={sliderPosition(draft)}
          aria-valuetext={`${sliderPosition(draft)} %`}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
        <input
          id={`${id}-number`}
          class="percentage-number"
          type="number"
          inputMode="decimal"
          min={0}
          max={100}
          step="any"
          aria-label="Rollout percentage, exact value"
          aria-invalid={error !== undefined}
          aria-describedby={error ? errorId : undefined}
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
        <span aria-hidden="true">%</span>
      </div>
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}
