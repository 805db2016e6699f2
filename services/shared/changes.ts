import type { Redis } from "ioredis";
import { describeError, type Logger } from "./logger.ts";

/** Redis pub/sub channel on which flag and targeting announce every write. */
export const CHANGE_CHANNEL = "togglemaster:changes";

export interface ChangeNotice {
  kind: "flag" | "rule";
  name: string;
  action: "created" | "updated" | "deleted";
}

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
    if ((notice.kind === "flag" || notice.kind === "rule") && typeof notice.name === "string")
      return notice as ChangeNotice;
  } catch {}
  return undefined;
}
