import { LRUCache } from "lru-cache";
import type { LoadLevel } from "../../durable-objects/contracts/admission";

/**
 * What this isolate last heard from each tenant's controller about its load level, for a
 * short while. It lets a handler degrade *before* asking the controller: a stats snapshot
 * already in memory needs no D1 and no slot, and a search the controller would make the
 * handler refuse need not cost a round trip first. Older news counts as "normal", so a
 * quiet tenant is never degraded on stale information. Bookkeeping, not a data cache:
 * CACHE_STRATEGY does not switch it off.
 */
export class RecentLoad {
  private readonly levels: LRUCache<string, LoadLevel>;

  constructor(freshForMs = 2000, maxTenants = 10_000, now: () => number = Date.now) {
    this.levels = new LRUCache({ max: maxTenants, ttl: freshForMs, ttlResolution: 0, perf: { now } });
  }

  note(tenantId: string, level: LoadLevel): void {
    if (level === "normal") this.levels.delete(tenantId);
    else this.levels.set(tenantId, level);
  }

  level(tenantId: string): LoadLevel {
    return this.levels.get(tenantId) ?? "normal";
  }
}
