/**
 * How long a cached copy may be trusted. Writers announce every change on Redis pub/sub;
 * while a reader receives those notices without a gap, a change evicts its copy at once, so
 * copies may live long. Without notices (no Redis, or the subscription down) a copy lives
 * briefly, so a change still shows within that time.
 */
export class Freshness {
  /** Since when notices have arrived without a gap; undefined while they do not. */
  private noticesSince: number | undefined;

  constructor(
    /** Life of a copy while notices arrive. */
    readonly pushedTtlMs = 30_000,
    /** Life of a copy when no notice can arrive. */
    readonly localTtlMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  get noticesActive(): boolean {
    return this.noticesSince !== undefined;
  }

  setNoticesActive(active: boolean): void {
    if (active === this.noticesActive) return;
    this.noticesSince = active ? this.now() : undefined;
  }

  /** How long a copy read at `loadedAt` lives: only copies read while notices flow live long. */
  ttlOf(loadedAt: number): number {
    return this.noticesSince !== undefined && loadedAt >= this.noticesSince
      ? this.pushedTtlMs
      : this.localTtlMs;
  }
}

/**
 * Records read by name, kept while fresh. Concurrent reads of one name share one load, and
 * a load overtaken by an invalidation answers its callers but is not kept.
 */
export class RecordCache<T> {
  private readonly entries = new Map<string, { value: T; loadedAt: number }>();
  private readonly loads = new Map<string, Promise<T>>();

  constructor(
    private readonly freshness: Freshness,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(name: string, load: (name: string) => Promise<T>): T | Promise<T> {
    const entry = this.entries.get(name);
    if (entry !== undefined && this.now() - entry.loadedAt < this.freshness.ttlOf(entry.loadedAt))
      return entry.value;
    const pending = this.loads.get(name);
    if (pending !== undefined) return pending;
    const loadedAt = this.now();
    const loading: Promise<T> = load(name).then(
      (value) => {
        if (this.loads.get(name) === loading) {
          this.loads.delete(name);
          this.entries.delete(name);
          if (this.entries.size >= this.maxEntries)
            this.entries.delete(this.entries.keys().next().value as string);
          this.entries.set(name, { value, loadedAt });
        }
        return value;
      },
      (error: unknown) => {
        if (this.loads.get(name) === loading) this.loads.delete(name);
        throw error;
      },
    );
    this.loads.set(name, loading);
    return loading;
  }

  invalidate(name: string): void {
    this.entries.delete(name);
    this.loads.delete(name);
  }

  clear(): void {
    this.entries.clear();
    this.loads.clear();
  }
}
