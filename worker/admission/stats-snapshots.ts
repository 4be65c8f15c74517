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
  private readonly claimedAt = new Map<string, number>();

  constructor(private readonly everyMs = STATS_REFRESH_AFTER_MS) {}

  claim(key: string, now: number): boolean {
    const last = this.claimedAt.get(key);
    if (last !== undefined && now - last < this.everyMs) return false;
    this.claimedAt.delete(key);
    this.claimedAt.set(key, now);
    if (this.claimedAt.size > 10_000) this.claimedAt.delete(this.claimedAt.keys().next().value ?? key);
    return true;
  }
}

export const statsRefreshClaims = new RefreshClaims();
