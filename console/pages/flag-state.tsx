import { useState } from "preact/hooks";
import type { Flag } from "../api.ts";
import { ConfirmDialog } from "../ui/dialog.tsx";
import { useSession } from "../use-session.ts";
import { isV1 } from "../variants/variants.ts";

export function StateBadge({ enabled }: { enabled: boolean }) {
  return (
    <span class={`badge ${enabled ? "badge-on" : "badge-off"}`}>{enabled ? "On" : "Off"}</span>
  );
}

interface FlagStateToggleProps {
  flag: Flag;
  onChanged(flag: Flag): void;
}

/** Turns a flag on or off after a confirmation that says what users will get. */
export function FlagStateToggle({ flag, onChanged }: FlagStateToggleProps) {
  const { api } = useSession();
  const [asking, setAsking] = useState(false);
  const turningOn = !flag.is_enabled;
  return (
    <>
      <button
        type="button"
        class={turningOn ? "primary" : undefined}
        onClick={() => setAsking(true)}
        aria-label={`${turningOn ? "Turn on" : "Turn off"} ${flag.name}`}
      >
        {turningOn ? "Turn on" : "Turn off"}
      </button>
      {asking && (
        <ConfirmDialog
          title={`${turningOn ? "Turn on" : "Turn off"} ${flag.name}?`}
          confirmLabel={turningOn ? "Turn on" : "Turn off"}
          onConfirm={async () =>
            onChanged(await api.updateFlag(flag.name, { is_enabled: turningOn }))
          }
          onClose={() => setAsking(false)}
        >
          <p>
            {turningOn
              ? "Users will get what its targeting rule decides (everyone, without a rule) within a second."
              : `Every user will get ${isV1(flag) ? "false" : "the application's own default"} within a second, whatever its targeting rule says.`}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
