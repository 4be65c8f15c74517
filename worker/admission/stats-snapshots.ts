import type { TaskStats } from "../db/tasks-repo";
import { TtlCache } from "../lib/ttl-cache";
import { STATS_SNAPSHOT_MAX_AGE_MS } from "./degradation";

/**
 * The last computed stats per tenant, in this isolate. Fresh stats are always stored; under
 * load a snapshot younger than STATS_SNAPSHOT_MAX_AGE_MS is served instead of a new query.
 */
export const statsSnapshots = new TtlCache<string, TaskStats>(STATS_SNAPSHOT_MAX_AGE_MS, 10_000);

/** Under load, a snapshot older than this is refreshed by the next stats request (see refreshClaims). */
export const STATS_REFRESH_AFTER_MS = 10_000;

/**
 * At most one refresh per tenant per STATS_REFRESH_AFTER_MS in this isolate: under load the
 * request that claims it is admitted at high priority (one query per 10 s is worth it: it
 * keeps every other stats request answerable from memory); the rest are served the snapshot.
 */
export class RefreshClaims {
  private readonly claimed: TtlCache<string, true>;

  constructor(everyMs = STATS_REFRESH_AFTER_MS, now: () => number = Date.now) {
    this.claimed = new TtlCache(everyMs, 10_000, now);
  }

  claim(key: string): boolean {
    if (this.claimed.get(key)) return false;
    this.claimed.set(key, true);
    return true;
  }
}

export const statsRefreshClaims = new RefreshClaims();
