/**
 * Flags in two tiers: an in-process LRU of compiled flags answers warm requests with no
 * I/O at all; Redis (`flag_info:<name>`, 30 s, as v1) is shared by the replicas; flag and
 * targeting are asked on a miss, once per flag however many requests wait.
 *
 * Freshness (see Freshness): while change notices arrive, a notice drops the flag from both
 * tiers and entries live 30 s; without them entries live 1 s. Past half its life an entry
 * is refreshed in the background, so a flag in use never waits. When flag or targeting
 * cannot be reached the last known value is served, for up to a day: that is what it is
 * kept for.
 */
import { type Clock, systemClock } from "@togglemaster/shared/clock";
import { Freshness } from "@togglemaster/shared/freshness";
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
  freshness?: Freshness;
  /** Life of "no such flag". */
  negativeTtlMs?: number;
  /** How long a last known value may stand in while flag or targeting are unreachable. */
  staleTtlMs?: number;
  /** Pause between attempts to refresh a flag whose services failed. */
  retryIntervalMs?: number;
  clock?: Clock;
}

interface Entry {
  readonly flag: CompiledFlag;
  /** When the fetch that produced it started: its data is at least that recent. */
  readonly loadedAt: number;
  touchedAt: number;
  /** A change notice arrived: kept only as the fallback for an outage. */
  invalidated: boolean;
  /** When refreshing it last failed; 0 when it has not. */
  failedAt: number;
}

export class FlagCache {
  readonly freshness: Freshness;
  private readonly entries = new Map<string, Entry>();
  private readonly loads = new Map<string, Promise<CompiledFlag>>();
  private readonly fetchSnapshot: FlagCacheOptions["fetchSnapshot"];
  private readonly logger: Logger;
  private readonly redis: Redis | undefined;
  private readonly redisKeyPrefix: string;
  private readonly maxEntries: number;
  private readonly negativeTtlMs: number;
  private readonly staleTtlMs: number;
  private readonly retryIntervalMs: number;
  private readonly clock: Clock;
  private readonly hits;
  private readonly redisHits;
  private readonly misses;
  private readonly staleServed;

  constructor(options: FlagCacheOptions) {
    this.fetchSnapshot = options.fetchSnapshot;
    this.logger = options.logger;
    this.redis = options.redis;
    this.redisKeyPrefix = options.redisKeyPrefix ?? "flag_info:";
    this.maxEntries = options.maxEntries ?? 10_000;
    this.clock = options.clock ?? systemClock;
    this.freshness = options.freshness ?? new Freshness(30_000, 1_000, this.clock.now);
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
    this.staleTtlMs = options.staleTtlMs ?? 24 * 60 * 60 * 1000;
    this.retryIntervalMs = options.retryIntervalMs ?? 1_000;
    const { metrics } = options;
    this.hits = metrics.counter("evaluation_cache_hits_total", "Flags answered from memory");
    this.redisHits = metrics.counter("evaluation_cache_redis_hits_total", "Flags read from Redis");
    this.misses = metrics.counter(
      "evaluation_cache_misses_total",
      "Flags fetched from flag and targeting",
    );
    this.staleServed = metrics.counter(
      "evaluation_cache_stale_served_total",
      "Decisions made on a last known value because flag or targeting failed",
    );
    metrics
      .gauge("evaluation_cache_entries", "Flags held in memory")
      .track(() => this.entries.size);
  }

  /** Flags held, fresh or not: each can be served during an outage. */
  get size(): number {
    return this.entries.size;
  }

  /** The flag if it can be decided right now without waiting, else undefined. */
  peek(flagName: string): CompiledFlag | undefined {
    const entry = this.entries.get(flagName);
    if (entry === undefined) return undefined;
    const now = this.clock.now();
    const age = now - entry.loadedAt;
    const ttl = this.ttlOf(entry);
    if (age < ttl) {
      if (age >= ttl / 2) this.refreshInBackground(flagName);
      // Reordering the LRU at most once a second keeps hot flags cheap to read.
      if (now - entry.touchedAt > 1_000) {
        entry.touchedAt = now;
        this.store(flagName, entry);
      }
      this.hits.inc();
      return entry.flag;
    }
    // Flag or targeting failed lately: answer with the last known value, retry aside.
    if (entry.failedAt !== 0 && age < this.staleTtlMs) {
      if (now - entry.failedAt >= this.retryIntervalMs) this.refreshInBackground(flagName);
      this.staleServed.inc();
      return entry.flag;
    }
    return undefined;
  }

  /** Fetches the flag (one fetch per flag at a time); the last known value if that fails. */
  load(flagName: string, requestId?: string): Promise<CompiledFlag> {
    return this.loads.get(flagName) ?? this.startLoad(flagName, requestId, true);
  }

  /** Drops a flag from both tiers after a change and reloads it if it was in use. */
  invalidate(flagName: string): void {
    this.loads.delete(flagName);
    this.redis?.del(this.redisKey(flagName)).catch(() => {});
    const entry = this.entries.get(flagName);
    if (entry === undefined) return;
    entry.invalidated = true;
    entry.failedAt = 0;
    // Skips Redis, which a replica may have refilled just before the change.
    this.startLoad(flagName, undefined, false).catch(() => {});
  }

  /** After a segment changes: any flag may use it. */
  invalidateAll(): void {
    for (const flagName of [...this.entries.keys()]) this.invalidate(flagName);
  }

  private ttlOf(entry: Entry): number {
    if (entry.invalidated) return 0;
    const ttl = this.freshness.ttlOf(entry.loadedAt);
    return entry.flag.found ? ttl : Math.min(ttl, this.negativeTtlMs);
  }

  private store(flagName: string, entry: Entry) {
    this.entries.delete(flagName);
    this.entries.set(flagName, entry);
    if (this.entries.size > this.maxEntries)
      this.entries.delete(this.entries.keys().next().value as string);
  }

  private redisKey(flagName: string) {
    return `${this.redisKeyPrefix}${flagName}`;
  }

  private async readShared(flagName: string): Promise<FlagSnapshot | undefined> {
    // Only trusted while notices arrive: otherwise a change may not have cleared it.
    if (this.redis === undefined || !this.freshness.noticesActive) return undefined;
    try {
      const text = await this.redis.get(this.redisKey(flagName));
      return text === null ? undefined : parseSnapshot(JSON.parse(text));
    } catch {
      return undefined;
    }
  }

  private writeShared(flagName: string, snapshot: FlagSnapshot) {
    if (this.redis === undefined) return;
    const ttlMs = snapshot.flag === null ? this.negativeTtlMs : this.freshness.pushedTtlMs;
    this.redis
      .set(this.redisKey(flagName), JSON.stringify(snapshot), "EX", Math.ceil(ttlMs / 1000))
      .catch(() => {});
  }

  private async fetchEntry(flagName: string, requestId: string | undefined, useShared: boolean) {
    const startedAt = this.clock.now();
    const shared = useShared ? await this.readShared(flagName) : undefined;
    if (shared !== undefined) this.redisHits.inc();
    else this.misses.inc();
    const snapshot = shared ?? (await this.fetchSnapshot(flagName, requestId));
    const entry: Entry = {
      flag: compileFlag(flagName, snapshot),
      loadedAt: startedAt,
      touchedAt: startedAt,
      invalidated: false,
      failedAt: 0,
    };
    return { entry, snapshot, fromShared: shared !== undefined };
  }

  private startLoad(flagName: string, requestId: string | undefined, useShared: boolean) {
    const loading: Promise<CompiledFlag> = this.fetchEntry(flagName, requestId, useShared)
      .then(({ entry, snapshot, fromShared }) => {
        // A load overtaken by a change notice answers its waiters but is not kept.
        if (this.loads.get(flagName) === loading) {
          this.store(flagName, entry);
          if (!fromShared) this.writeShared(flagName, snapshot);
        }
        return entry.flag;
      })
      .catch((error: unknown) => {
        const previous = this.entries.get(flagName);
        const now = this.clock.now();
        if (previous === undefined || now - previous.loadedAt >= this.staleTtlMs) {
          this.logger.warn("flag unavailable", {
            flag_name: flagName,
            error: describeError(error),
          });
          throw error;
        }
        if (previous.failedAt === 0)
          this.logger.warn("serving last known flag", {
            flag_name: flagName,
            error: describeError(error),
          });
        previous.failedAt = now;
        this.staleServed.inc();
        return previous.flag;
      })
      .finally(() => {
        if (this.loads.get(flagName) === loading) this.loads.delete(flagName);
      });
    this.loads.set(flagName, loading);
    return loading;
  }

  private refreshInBackground(flagName: string) {
    if (!this.loads.has(flagName)) this.startLoad(flagName, undefined, true).catch(() => {});
  }
}

export interface FlagListCacheOptions {
  list: (requestId?: string) => Promise<string[]>;
  ttlMs?: number;
  staleTtlMs?: number;
  clock?: Clock;
}

/** The list of flag names for bulk evaluation: kept briefly, last known one on failure. */
export class FlagListCache {
  private held: { names: string[]; loadedAt: number; expired: boolean } | undefined;
  private pending: Promise<string[]> | undefined;
  private readonly list: FlagListCacheOptions["list"];
  private readonly ttlMs: number;
  private readonly staleTtlMs: number;
  private readonly clock: Clock;

  constructor({
    list,
    ttlMs = 1_000,
    staleTtlMs = 24 * 60 * 60 * 1000,
    clock = systemClock,
  }: FlagListCacheOptions) {
    this.list = list;
    this.ttlMs = ttlMs;
    this.staleTtlMs = staleTtlMs;
    this.clock = clock;
  }

  async names(requestId?: string): Promise<string[]> {
    const known = this.held;
    const now = this.clock.now();
    if (known !== undefined && !known.expired && now - known.loadedAt < this.ttlMs)
      return known.names;
    try {
      return await (this.pending ?? this.fetchNames(requestId));
    } catch (error) {
      if (known !== undefined && this.clock.now() - known.loadedAt < this.staleTtlMs)
        return known.names;
      throw error;
    }
  }

  /** After a flag is created or deleted. */
  invalidate(): void {
    this.pending = undefined;
    if (this.held !== undefined) this.held.expired = true;
  }

  private fetchNames(requestId?: string) {
    const startedAt = this.clock.now();
    const fetching: Promise<string[]> = this.list(requestId)
      .then((names) => {
        if (this.pending === fetching) this.held = { names, loadedAt: startedAt, expired: false };
        return names;
      })
      .finally(() => {
        if (this.pending === fetching) this.pending = undefined;
      });
    this.pending = fetching;
    return fetching;
  }
}
