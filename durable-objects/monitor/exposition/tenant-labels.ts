/**
 * Bounded tenant cardinality for /metrics: at most `max` tenants get their own label value,
 * everyone else is counted under tenant="other".
 *
 * Membership is decided when traffic is counted, not when it is exported, so every exported
 * counter only ever grows (Prometheus reads a drop as a restart): free slots go to tenants
 * as they appear; `rerank` (every few minutes) hands the slots to the top tenants by recent
 * traffic. A tenant that loses its slot stops being exported; its later traffic, like all
 * traffic of unexported tenants, goes to "other".
 */
import { OTHER_TENANT } from "../windows/bucket";

/** Requests that belong to no tenant (operator routes, failed authentication). */
export const NO_TENANT = "none";

export class TenantLabels {
  private readonly exported: Set<string>;

  constructor(
    private readonly max: number,
    exported: Iterable<string> = [],
  ) {
    this.exported = new Set([...exported].slice(0, max));
  }

  label(tenant: string): string {
    if (tenant === NO_TENANT || tenant === OTHER_TENANT) return tenant;
    if (this.exported.has(tenant)) return tenant;
    if (this.exported.size < this.max) {
      this.exported.add(tenant);
      return tenant;
    }
    return OTHER_TENANT;
  }

  /** Gives the slots to the `max` busiest tenants (ties keep incumbents). Returns whether membership changed. */
  rerank(traffic: Map<string, number>): boolean {
    const ranked = [...traffic.entries()]
      .filter(([t]) => t !== NO_TENANT && t !== OTHER_TENANT && t !== "*")
      .sort((a, b) => b[1] - a[1] || Number(this.exported.has(b[0])) - Number(this.exported.has(a[0])) || a[0].localeCompare(b[0]))
      .slice(0, this.max)
      .map(([t]) => t);
    const next = new Set(ranked);
    // Keep incumbents in slots the busy tenants do not need.
    for (const t of this.exported) if (next.size < this.max) next.add(t);
    const changed = next.size !== this.exported.size || [...next].some((t) => !this.exported.has(t));
    this.exported.clear();
    for (const t of next) this.exported.add(t);
    return changed;
  }

  has(tenant: string): boolean {
    return this.exported.has(tenant);
  }

  list(): string[] {
    return [...this.exported];
  }

  get capacity(): number {
    return this.max;
  }
}
