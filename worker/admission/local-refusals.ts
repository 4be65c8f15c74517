import { LRUCache } from "lru-cache";

/**
 * Per isolate and tenant, the requests its throttle refused without asking the controller,
 * until the next acquire carries the count there (AcquireRequest.refusedLocally). Most of a
 * flooded tenant's refusals happen here; without them its controller, and so the governor,
 * sees only the tenth that still asks and reads the tenant as wanting little.
 */
export class LocalRefusals {
  private readonly counts: LRUCache<string, number>;

  constructor(maxTenants = 10_000) {
    this.counts = new LRUCache({ max: maxTenants });
  }

  note(tenantId: string): void {
    this.counts.set(tenantId, (this.counts.get(tenantId) ?? 0) + 1);
  }

  /** The count since the last take (0 when none), which starts afresh. */
  take(tenantId: string): number {
    const count = this.counts.get(tenantId) ?? 0;
    this.counts.delete(tenantId);
    return count;
  }
}
