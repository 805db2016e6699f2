import { CHANGE_CHANNEL, type ChangeNotice, parseChangeNotice } from "@togglemaster/shared/changes";
import { describeError, type Logger } from "@togglemaster/shared/logger";
import type { Redis } from "@togglemaster/shared/redis";

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
