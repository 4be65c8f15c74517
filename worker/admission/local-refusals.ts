import { LRUCache } from "lru-cache";
import type { RequestPriority } from "../../durable-objects/contracts/admission";

/** Refusals of one tenant since its last acquire, by priority. */
export type RefusalCounts = Partial<Record<RequestPriority, number>>;

/**
 * Per isolate and tenant, the requests its throttle refused without asking the controller,
 * until the next acquire carries the counts there (AcquireRequest.refusedLocallyByPriority,
 * the controller's `shed` decisions). Most of a flooded tenant's refusals happen
 * here; without them its controller, and so the governor, sees only the tenth that still asks
 * and reads the tenant as wanting little.
 */
export class LocalRefusals {
  private readonly counts: LRUCache<string, RefusalCounts>;

  constructor(maxTenants = 10_000) {
    this.counts = new LRUCache({ max: maxTenants });
  }

  note(tenantId: string, priority: RequestPriority): void {
    const counts = this.counts.get(tenantId) ?? {};
    counts[priority] = (counts[priority] ?? 0) + 1;
    this.counts.set(tenantId, counts);
  }

  /** The counts since the last take (undefined when none), which start afresh. */
  take(tenantId: string): RefusalCounts | undefined {
    const counts = this.counts.get(tenantId);
    this.counts.delete(tenantId);
    return counts;
  }
}
