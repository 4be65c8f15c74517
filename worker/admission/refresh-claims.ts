import { LRUCache } from "lru-cache";

/** Under load, a snapshot older than this is refreshed by the next stats request (see RefreshClaims). */
export const STATS_REFRESH_AFTER_MS = 10_000;

/**
 * At most one refresh per tenant per STATS_REFRESH_AFTER_MS in this isolate: under load the
 * request that claims it is admitted at high priority (one query per 10 s is worth it: it
 * keeps every other stats request answerable from memory); the rest are served the snapshot.
 * Bookkeeping, not a data cache: CACHE_STRATEGY does not switch it off.
 */
export class RefreshClaims {
  private readonly claimed: LRUCache<string, true>;

  constructor(everyMs = STATS_REFRESH_AFTER_MS, now: () => number = Date.now, maxKeys = 10_000) {
    this.claimed = new LRUCache({ max: maxKeys, ttl: everyMs, ttlResolution: 0, perf: { now } });
  }

  claim(key: string): boolean {
    if (this.claimed.get(key)) return false;
    this.claimed.set(key, true);
    return true;
  }
}

export const statsRefreshClaims = new RefreshClaims();
