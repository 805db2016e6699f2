/**
 * Which evaluations are kept as event items. The counters count every evaluation either
 * way; items are for looking at single evaluations, and at one write unit each they are
 * most of the bill, so an installation keeps all of them, a sample, or none, per flag.
 */
import { sha1Prefix } from "@togglemaster/shared/hash";

export const EVENT_ITEM_MODES = ["all", "sample", "none"] as const;
export type EventItemMode = (typeof EVENT_ITEM_MODES)[number];

export interface ItemPolicy {
  mode: EventItemMode;
  /** The share of events kept in `sample` mode, 0..1. */
  sampleRate: number;
  /** Flags whose mode differs from `mode`. */
  byFlag: ReadonlyMap<string, EventItemMode>;
}

export const KEEP_ALL: ItemPolicy = { mode: "all", sampleRate: 1, byFlag: new Map() };

/**
 * A number in [0, 1) fixed by the event id, so a redelivered message keeps the same
 * events: the first 32 bits of its SHA-1.
 */
export const sampleFraction = (eventId: string) => sha1Prefix(eventId) / 2 ** 32;

export function keepsItem(
  policy: ItemPolicy,
  event: { eventId: string; flagName: string },
): boolean {
  switch (policy.byFlag.get(event.flagName) ?? policy.mode) {
    case "all":
      return true;
    case "none":
      return false;
    case "sample":
      return sampleFraction(event.eventId) < policy.sampleRate;
  }
}
