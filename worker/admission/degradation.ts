import type { LoadLevel, RequestPriority } from "../../durable-objects/contracts/admission";

/**
 * Graceful degradation (DESIGN.md section 4): named features give way at `elevated` load and
 * above, so the capacity goes to what matters. Each degraded response carries
 * `X-Degraded: <feature>`. Pure: no Workers API.
 */
export type DegradedFeature = "stats-snapshot" | "page-size" | "search";

export const PAGE_SIZE_CAPS: Record<LoadLevel, number> = { normal: 100, elevated: 25, overloaded: 10 };

/** Stats may be served from a snapshot this old while the tenant is under load. */
export const STATS_SNAPSHOT_MAX_AGE_MS = 30_000;

export const underLoad = (level: LoadLevel): boolean => level !== "normal";

export function cappedPageSize(requested: number, level: LoadLevel): { limit: number; degraded: boolean } {
  const cap = PAGE_SIZE_CAPS[level];
  return requested > cap ? { limit: cap, degraded: true } : { limit: requested, degraded: false };
}

/**
 * Full-text search is the costliest list query; low-priority callers lose it first, but only
 * once a queue stands (`overloaded`). At `elevated` (a busy tenant near its limit, which is
 * where a well-used service runs) the search is served with the capped page: refusing it there
 * turned away work the server could still do (a third of the overload mix at 1x capacity).
 */
export function searchRefused(level: LoadLevel, priority: RequestPriority): boolean {
  return level === "overloaded" && priority === "low";
}
