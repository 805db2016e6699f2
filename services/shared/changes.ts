import type { Redis } from "ioredis";
import { describeError, type Logger } from "./logger.ts";

/** Redis pub/sub channel on which flag and targeting announce every write. */
export const CHANGE_CHANNEL = "togglemaster:changes";

/**
 * What changed: a flag, the rule of the flag `name`, a segment (a flagd `$evaluators`
 * entry), which any flag's targeting may `$ref`, or the flag set's metadata, which every
 * flag's answers carry; after the last two a reader drops every flag it holds.
 */
export interface ChangeNotice {
  kind: "flag" | "rule" | "segment" | "flag_set";
  name: string;
  action: "created" | "updated" | "deleted";
}

const CHANGE_KINDS: ReadonlySet<string> = new Set([
  "flag",
  "rule",
  "segment",
  "flag_set",
] satisfies ChangeNotice["kind"][]);

export type PublishChange = (notice: ChangeNotice) => void;

/**
 * Announces a change without ever failing or delaying the write that caused it: with no
 * Redis, or Redis down, the notice is dropped and readers fall back to their short TTLs.
 */
export function changePublisher(redis: Redis | undefined, logger: Logger): PublishChange {
  if (redis === undefined) return () => {};
  return (notice) => {
    redis.publish(CHANGE_CHANNEL, JSON.stringify(notice)).catch((error: unknown) => {
      logger.warn("change notice not published", { ...notice, error: describeError(error) });
    });
  };
}

export function parseChangeNotice(message: string): ChangeNotice | undefined {
  try {
    const notice = JSON.parse(message) as Partial<ChangeNotice>;
    if (CHANGE_KINDS.has(notice.kind as string) && typeof notice.name === "string")
      return notice as ChangeNotice;
  } catch {}
  return undefined;
}

export interface ChangeFeedOptions {
  subscriber: Redis;
  logger: Logger;
  onNotice: (notice: ChangeNotice) => void;
  /** Called with true once subscribed, with false when the connection is lost. */
  onActive: (active: boolean) => void;
}

/**
 * Follows flag and targeting change notices on a dedicated connection (a subscribed
 * connection can do nothing else). Reconnection is ioredis's; each time the connection is
 * ready again the subscription is renewed.
 */
export function followChanges({ subscriber, logger, onNotice, onActive }: ChangeFeedOptions) {
  let active = false;
  const setActive = (value: boolean) => {
    if (value === active) return;
    active = value;
    onActive(value);
  };
  const subscribe = () => {
    subscriber
      .subscribe(CHANGE_CHANNEL)
      .then(() => setActive(true))
      .catch((error: unknown) => {
        logger.warn("change notices unavailable", { error: describeError(error) });
        setActive(false);
      });
  };
  subscriber.on("message", (channel: string, message: string) => {
    if (channel !== CHANGE_CHANNEL) return;
    const notice = parseChangeNotice(message);
    if (notice !== undefined) onNotice(notice);
  });
  subscriber.on("ready", subscribe);
  subscriber.on("close", () => setActive(false));
  if (subscriber.status === "ready") subscribe();
  return {
    get active() {
      return active;
    },
  };
}
