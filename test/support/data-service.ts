import type { KeyValidator } from "@togglemaster/shared/auth-guard";
import { createKeyValidator } from "@togglemaster/shared/auth-guard";
import type { ChangeNotice, PublishChange } from "@togglemaster/shared/changes";
import type { DataServiceParts } from "@togglemaster/shared/data-service";
import { databaseErrors, type Pool, pingDatabase } from "@togglemaster/shared/db";
import { Freshness } from "@togglemaster/shared/freshness";
import type { Logger } from "@togglemaster/shared/logger";
import { Registry } from "@togglemaster/shared/metrics";

/** Names a route's validation would refuse: the stores must treat them as data all the same. */
export const HOSTILE_NAMES = [
  "it's",
  'say "hi"',
  "a b  c",
  "x'; DROP TABLE things; --",
  "$1",
  "back\\slash",
  "ção 😀",
];

export interface PartsOptions {
  pool: Pool;
  authUrl: string;
  jwtSecret: string;
  logger: Logger;
  validateKey?: KeyValidator;
  /** Where announcements go besides this app's own cache; nowhere by default. */
  publish?: PublishChange;
}

/**
 * What `createDataService` hands a flag or targeting app, for tests that swap one part (a
 * counting key validator, a dead database, a dead Redis). Changes reach the app's own
 * cache at once, as in production.
 */
export function testParts({
  pool,
  authUrl,
  jwtSecret,
  logger,
  validateKey = createKeyValidator({ authUrl }),
  publish = () => {},
}: PartsOptions): DataServiceParts & { metrics: Registry } {
  const listeners: ((notice: ChangeNotice) => void)[] = [];
  const metrics = new Registry();
  return {
    pool,
    publish: (notice) => {
      for (const listener of listeners) listener(notice);
      publish(notice);
    },
    freshness: new Freshness(),
    onChange: (listener) => listeners.push(listener),
    auth: { jwtSecret, validateKey },
    edge: {
      service: "test",
      logger,
      metrics,
      ready: { database: pingDatabase(pool) },
      errorMappers: [databaseErrors],
    },
    metrics,
  };
}
