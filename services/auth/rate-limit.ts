/**
 * A token bucket per client: `limit` requests a minute, refilled continuously. Bounded in
 * memory: the least recently seen clients are forgotten first.
 */
export interface RateLimiter {
  /** Seconds to wait before the next request is allowed; 0 when it is allowed now. */
  take(client: string): number;
}

export function createRateLimiter(
  limit: number,
  { now = Date.now, maxClients = 10_000 } = {},
): RateLimiter {
  const perMs = limit / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  return {
    take(client) {
      const time = now();
      const previous = buckets.get(client);
      const tokens = previous
        ? Math.min(limit, previous.tokens + (time - previous.at) * perMs)
        : limit;
      buckets.delete(client);
      if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value as string);
      if (tokens >= 1) {
        buckets.set(client, { tokens: tokens - 1, at: time });
        return 0;
      }
      buckets.set(client, { tokens, at: time });
      return Math.ceil((1 - tokens) / perMs / 1000);
    },
  };
}
