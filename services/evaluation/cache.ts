/**
 * Flags in two tiers: an in-process LRU of compiled flags answers warm requests with no
 * I/O at all; Redis (`flag_info:<name>`, 30 s, as v1) is shared by the replicas; flag and
 * targeting are asked on a miss, once per flag however many requests wait.
 *
 * Freshness: flag and targeting announce every change on Redis pub/sub, and a notice drops
 * the flag from both tiers, so entries can live 30 s. Without that channel (no Redis, or
 * the subscriber connection down) entries live 1 s, so a change still shows within 1 s.
 * Past half its life an entry is refreshed in the background, so a flag in use never
 * waits. When flag or targeting cannot be reached the last known value is served, for up
 * to a day: that is what it is kept for.
 */
import { describeError, type Logger } from "@togglemaster/shared/logger";
import type { Registry } from "@togglemaster/shared/metrics";
import type { Redis } from "@togglemaster/shared/redis";
import { type CompiledFlag, compileFlag, type FlagSnapshot, parseSnapshot } from "./decide.ts";

export interface FlagCacheOptions {
  /** Reads the flag and its rule from their services; throws when they cannot answer. */
  fetchSnapshot: (flagName: string, requestId?: string) => Promise<FlagSnapshot>;
  logger: Logger;
  metrics: Registry;
  /** The shared tier; without it the LRU is the only one. */
  redis?: Redis;
  redisKeyPrefix?: string;
  maxEntries?: number;
  /** Life of an entry while change notices arrive. */
  pushedTtlMs?: number;
  /** Life of an entry when no notice can arrive. */
  localTtlMs?: number;
  /** Life of "no such flag". */
  negativeTtlMs?: number;
  /** How long a last known value may stand in while flag or targeting are unreachable. */
  staleTtlMs?: number;
  /** Pause between attempts to refresh a flag whose services failed. */
  retryIntervalMs?: number;
  now?: () => number;
}

export interface FlagCache {
  /** The flag if it can be decided right now without waiting, else undefined. */
  peek(flagName: string): CompiledFlag | undefined;
  /** Fetches the flag (one fetch per flag at a time); the last known value if that fails. */
  load(flagName: string, requestId?: string): Promise<CompiledFlag>;
  /** Drops a flag from both tiers after a change and reloads it if it was in use. */
  invalidate(flagName: string): void;
  /** Whether change notices are being received, which decides how long entries live. */
  setNoticesActive(active: boolean): void;
}

interface Entry {
  readonly flag: CompiledFlag;
  /** When the fetch that produced it started: its data is at least that recent. */
  readonly loadedAt: number;
  touchedAt: number;
  invalidated: boolean;
  /** When refreshing it last failed; 0 when it has not. */
  failedAt: number;
}

export function createFlagCache({
  fetchSnapshot,
  logger,
  metrics,
  redis,
  redisKeyPrefix = "flag_info:",
  maxEntries = 10_000,
  pushedTtlMs = 30_000,
  localTtlMs = 1_000,
  negativeTtlMs = 5_000,
  staleTtlMs = 24 * 60 * 60 * 1000,
  retryIntervalMs = 1_000,
  now = Date.now,
}: FlagCacheOptions): FlagCache {
  const entries = new Map<string, Entry>();
  const loads = new Map<string, Promise<CompiledFlag>>();
  /** Since when notices have been received without a gap; undefined while they are not. */
  let noticesSince: number | undefined;

  const hits = metrics.counter("evaluation_cache_hits_total", "Flags answered from memory");
  const redisHits = metrics.counter("evaluation_cache_redis_hits_total", "Flags read from Redis");
  const misses = metrics.counter(
    "evaluation_cache_misses_total",
    "Flags fetched from flag and targeting",
  );
  const staleServed = metrics.counter(
    "evaluation_cache_stale_served_total",
    "Decisions made on a last known value because flag or targeting failed",
  );
  metrics.gauge("evaluation_cache_entries", "Flags held in memory").track(() => entries.size);

  const ttlOf = (entry: Entry) => {
    if (entry.invalidated) return 0;
    const ttl =
      noticesSince !== undefined && entry.loadedAt >= noticesSince ? pushedTtlMs : localTtlMs;
    return entry.flag.found ? ttl : Math.min(ttl, negativeTtlMs);
  };

  const store = (flagName: string, entry: Entry) => {
    entries.delete(flagName);
    entries.set(flagName, entry);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };

  const redisKey = (flagName: string) => `${redisKeyPrefix}${flagName}`;

  const readShared = async (flagName: string): Promise<FlagSnapshot | undefined> => {
    // Only trusted while notices arrive: otherwise a change may not have cleared it.
    if (redis === undefined || noticesSince === undefined) return undefined;
    try {
      const text = await redis.get(redisKey(flagName));
      return text === null ? undefined : parseSnapshot(JSON.parse(text));
    } catch {
      return undefined;
    }
  };

  const writeShared = (flagName: string, snapshot: FlagSnapshot) => {
    if (redis === undefined) return;
    const seconds = Math.ceil((snapshot.flag === null ? negativeTtlMs : pushedTtlMs) / 1000);
    redis.set(redisKey(flagName), JSON.stringify(snapshot), "EX", seconds).catch(() => {});
  };

  const fetchEntry = async (
    flagName: string,
    requestId: string | undefined,
    useShared: boolean,
  ) => {
    const startedAt = now();
    const shared = useShared ? await readShared(flagName) : undefined;
    if (shared !== undefined) redisHits.inc();
    else misses.inc();
    const snapshot = shared ?? (await fetchSnapshot(flagName, requestId));
    const entry: Entry = {
      flag: compileFlag(flagName, snapshot),
      loadedAt: startedAt,
      touchedAt: startedAt,
      invalidated: false,
      failedAt: 0,
    };
    return { entry, snapshot, fromShared: shared !== undefined };
  };

  const startLoad = (flagName: string, requestId?: string, useShared = true) => {
    const promise: Promise<CompiledFlag> = fetchEntry(flagName, requestId, useShared)
      .then(({ entry, snapshot, fromShared }) => {
        // A load overtaken by a change notice answers its waiters but is not kept.
        if (loads.get(flagName) === promise) {
          store(flagName, entry);
          if (!fromShared) writeShared(flagName, snapshot);
        }
        return entry.flag;
      })
      .catch((error: unknown) => {
        const previous = entries.get(flagName);
        if (previous === undefined || now() - previous.loadedAt >= staleTtlMs) {
          logger.warn("flag unavailable", { flag_name: flagName, error: describeError(error) });
          throw error;
        }
        if (previous.failedAt === 0)
          logger.warn("serving last known flag", {
            flag_name: flagName,
            error: describeError(error),
          });
        previous.failedAt = now();
        staleServed.inc();
        return previous.flag;
      })
      .finally(() => {
        if (loads.get(flagName) === promise) loads.delete(flagName);
      });
    loads.set(flagName, promise);
    return promise;
  };

  const load = (flagName: string, requestId?: string) =>
    loads.get(flagName) ?? startLoad(flagName, requestId);

  const refreshInBackground = (flagName: string) => {
    if (!loads.has(flagName)) startLoad(flagName).catch(() => {});
  };

  return {
    peek(flagName) {
      const entry = entries.get(flagName);
      if (entry === undefined) return undefined;
      const at = now();
      const age = at - entry.loadedAt;
      const ttl = ttlOf(entry);
      if (age < ttl) {
        if (age >= ttl / 2) refreshInBackground(flagName);
        // Reordering the LRU at most once a second keeps hot flags cheap to read.
        if (at - entry.touchedAt > 1_000) {
          entry.touchedAt = at;
          store(flagName, entry);
        }
        hits.inc();
        return entry.flag;
      }
      // Flag or targeting failed lately: answer with the last known value, retry aside.
      if (entry.failedAt !== 0 && age < staleTtlMs) {
        if (at - entry.failedAt >= retryIntervalMs) refreshInBackground(flagName);
        staleServed.inc();
        return entry.flag;
      }
      return undefined;
    },

    load,

    invalidate(flagName) {
      loads.delete(flagName);
      redis?.del(redisKey(flagName)).catch(() => {});
      const entry = entries.get(flagName);
      if (entry === undefined) return;
      // Kept only as the fallback for an outage; the reload skips Redis, which may be
      // refilled by a replica that read the flag just before the change.
      entry.invalidated = true;
      entry.failedAt = 0;
      startLoad(flagName, undefined, false).catch(() => {});
    },

    setNoticesActive(active) {
      noticesSince = active ? now() : undefined;
    },
  };
}

export interface FlagListCacheOptions {
  list: (requestId?: string) => Promise<string[]>;
  ttlMs?: number;
  staleTtlMs?: number;
  now?: () => number;
}

/** The list of flag names for bulk evaluation: kept briefly, last known one on failure. */
export function createFlagListCache({
  list,
  ttlMs = 1_000,
  staleTtlMs = 24 * 60 * 60 * 1000,
  now = Date.now,
}: FlagListCacheOptions) {
  let held: { names: string[]; loadedAt: number; expired: boolean } | undefined;
  let pending: Promise<string[]> | undefined;

  const fetchNames = (requestId?: string) => {
    const startedAt = now();
    const promise: Promise<string[]> = list(requestId)
      .then((names) => {
        if (pending === promise) held = { names, loadedAt: startedAt, expired: false };
        return names;
      })
      .finally(() => {
        if (pending === promise) pending = undefined;
      });
    pending = promise;
    return promise;
  };

  return {
    async names(requestId?: string): Promise<string[]> {
      const known = held;
      if (known !== undefined && !known.expired && now() - known.loadedAt < ttlMs)
        return known.names;
      try {
        return await (pending ?? fetchNames(requestId));
      } catch (error) {
        if (known !== undefined && now() - known.loadedAt < staleTtlMs) return known.names;
        throw error;
      }
    },
    /** After a flag is created or deleted. */
    invalidate() {
      pending = undefined;
      if (held !== undefined) held.expired = true;
    },
  };
}

export type FlagListCache = ReturnType<typeof createFlagListCache>;
