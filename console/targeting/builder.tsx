import { useId, useState } from "preact/hooks";
import type { JsonObject } from "../api.ts";
import { PlainInput } from "../ui/field.tsx";
import {
  type Built,
  CONDITION_TEST_LABELS,
  CONDITION_TESTS,
  type Condition,
  type ConditionsDraft,
  type ConditionTest,
  conditionsTargeting,
  emptyCondition,
  type Share,
  splitTargeting,
  VERSION_COMPARISONS,
  type VersionComparison,
} from "./builder.ts";

interface BuilderProps {
  /** The variants the flag serves, to choose from. */
  variants: string[];
  onBuilt(targeting: JsonObject): void;
}

function VariantSelect({
  id,
  label,
  value,
  variants,
  none,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  variants: string[];
  /** The label of the empty choice, if there is one. */
  none?: string;
  onChange(variant: string): void;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.currentTarget.value)}>
        {none !== undefined && <option value="">{none}</option>}
        {variants.map((variant) => (
          <option key={variant} value={variant}>
            {variant}
          </option>
        ))}
      </select>
    </div>
  );
}

function ConditionRow({
  id,
  index,
  condition,
  onChange,
  onRemove,
}: {
  id: string;
  index: number;
  condition: Condition;
  onChange(changes: Partial<Condition>): void;
  onRemove(): void;
}) {
  return (
    <div class="condition-row">
      <div class="field">
        <label for={`${id}-attribute`}>Attribute</label>
        <PlainInput
          id={`${id}-attribute`}
          placeholder="country"
          value={condition.attribute}
          onValue={(attribute) => onChange({ attribute })}
        />
      </div>
      <div class="field">
        <label for={`${id}-test`}>Test</label>
        <select
          id={`${id}-test`}
          value={condition.test}
          onChange={(event) => onChange({ test: event.currentTarget.value as ConditionTest })}
        >
          {CONDITION_TESTS.map((test) => (
            <option key={test} value={test}>
              {CONDITION_TEST_LABELS[test]}
            </option>
          ))}
        </select>
      </div>
      {condition.test === "sem_ver" && (
        <div class="field">
          <label for={`${id}-comparison`}>Comparison</label>
          <select
            id={`${id}-comparison`}
            value={condition.comparison}
            onChange={(event) =>
              onChange({ comparison: event.currentTarget.value as VersionComparison })
            }
          >
            {VERSION_COMPARISONS.map((comparison) => (
              <option key={comparison} value={comparison}>
                {comparison}
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="field">
        <label for={`${id}-value`}>
          {condition.test === "one_of" ? "Values, comma-separated" : "Value"}
        </label>
        <PlainInput
          id={`${id}-value`}
          placeholder={condition.test === "sem_ver" ? "2.0.0" : undefined}
          value={condition.value}
          onValue={(value) => onChange({ value })}
        />
      </div>
      <button
        type="button"
        class="remove"
        aria-label={`Remove condition ${index + 1}`}
        onClick={onRemove}
      >
        Remove
      </button>
    </div>
  );
}

/**
 * A form for the usual targeting: conditions on attributes that serve one variant, or a
 * split by weight. It writes JsonLogic into the targeting text, which stays the rule.
 */
export function TargetingBuilder({ variants, onBuilt }: BuilderProps) {
  const id = useId();
  const [mode, setMode] = useState<"conditions" | "split">("conditions");
  const [draft, setDraft] = useState<ConditionsDraft>({
    join: "and",
    conditions: [emptyCondition()],
    variant: variants[0] ?? "",
    otherwise: "",
  });
  const [shares, setShares] = useState<Share[]>(() =>
    variants.slice(0, 2).map((variant) => ({ variant, weight: "50" })),
  );
  const [outcome, setOutcome] = useState<Built>();

  const write = () => {
    const built = mode === "conditions" ? conditionsTargeting(draft) : splitTargeting(shares);
    setOutcome(built);
    if (built.ok) onBuilt(built.targeting);
  };
  const changeCondition = (index: number, changes: Partial<Condition>) =>
    setDraft({
      ...draft,
      conditions: draft.conditions.map((condition, at) =>
        at === index ? { ...condition, ...changes } : condition,
      ),
    });
  const changeShare = (index: number, changes: Partial<Share>) =>
    setShares(shares.map((share, at) => (at === index ? { ...share, ...changes } : share)));

  return (
    <details class="builder">
      <summary>Build the targeting from common cases</summary>
      <div class="stack">
        <fieldset class="choice">
          <legend>Build</legend>
          {(
            [
              ["conditions", "Conditions on attributes"],
              ["split", "A split by weight"],
            ] as const
          ).map(([value, label]) => (
            <div class="radio" key={value}>
              <input
                type="radio"
                id={`${id}-mode-${value}`}
                name={`${id}-mode`}
                checked={mode === value}
                onChange={() => {
                  setMode(value);
                  setOutcome(undefined);
                }}
              />
              <label for={`${id}-mode-${value}`}>{label}</label>
            </div>
          ))}
        </fieldset>
        {mode === "conditions" ? (
          <>
            <fieldset class="conditions">
              <legend>Conditions</legend>
              {draft.conditions.map((condition, index) => (
                <ConditionRow
                  key={index}
                  id={`${id}-condition-${index}`}
                  index={index}
                  condition={condition}
                  onChange={(changes) => changeCondition(index, changes)}
                  onRemove={() =>
                    setDraft({
                      ...draft,
                      conditions: draft.conditions.filter((_, at) => at !== index),
                    })
                  }
                />
              ))}
              <button
                type="button"
                onClick={() =>
                  setDraft({ ...draft, conditions: [...draft.conditions, emptyCondition()] })
                }
              >
                Add condition
              </button>
            </fieldset>
            <div class="builder-outcome">
              <div class="field">
                <label for={`${id}-join`}>Users must match</label>
                <select
                  id={`${id}-join`}
                  value={draft.join}
                  onChange={(event) =>
                    setDraft({ ...draft, join: event.currentTarget.value as "and" | "or" })
                  }
                >
                  <option value="and">every condition (and)</option>
                  <option value="or">any condition (or)</option>
                </select>
              </div>
              <VariantSelect
                id={`${id}-variant`}
                label="Users who match get"
                value={draft.variant}
                variants={variants}
                onChange={(variant) => setDraft({ ...draft, variant })}
              />
              <VariantSelect
                id={`${id}-otherwise`}
                label="Everyone else gets"
                value={draft.otherwise}
                variants={variants}
                none="The default variant"
                onChange={(otherwise) => setDraft({ ...draft, otherwise })}
              />
            </div>
          </>
        ) : (
          <fieldset class="conditions">
            <legend>Shares</legend>
            <p class="hint">
              Each user lands in one share by their targeting key, always the same one; a share gets
              its weight out of the total.
            </p>
            {shares.map((share, index) => (
              <div class="share-row" key={index}>
                <VariantSelect
                  id={`${id}-share-${index}-variant`}
                  label="Variant"
                  value={share.variant}
                  variants={variants}
                  onChange={(variant) => changeShare(index, { variant })}
                />
                <div class="field">
                  <label for={`${id}-share-${index}-weight`}>Weight</label>
                  <input
                    id={`${id}-share-${index}-weight`}
                    type="number"
                    min={0}
                    step={1}
                    inputMode="numeric"
                    value={share.weight}
                    onInput={(event) => changeShare(index, { weight: event.currentTarget.value })}
                  />
                </div>
                <button
                  type="button"
                  class="remove"
                  aria-label={`Remove share ${index + 1}`}
                  onClick={() => setShares(shares.filter((_, at) => at !== index))}
                >
                  Remove
                </button>
              </div>
            ))}
            <button
              type="button"
              onClick={() => setShares([...shares, { variant: variants[0] ?? "", weight: "0" }])}
            >
              Add share
            </button>
          </fieldset>
        )}
        <div class="actions">
          <button type="button" onClick={write}>
            Write into the targeting
          </button>
          <span role="status" class={outcome?.ok === false ? "field-error" : "hint"}>
            {outcome === undefined
              ? ""
              : outcome.ok
                ? "Written below as JsonLogic: save the rule to apply it."
                : outcome.problem}
          </span>
        </div>
      </div>
    </details>
  );
}
