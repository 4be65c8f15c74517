import type { ShardMap } from "../../durable-objects/contracts/shards";

/**
 * This isolate's copy of each tenant's shard map (DESIGN.md section 7). It costs no round trip:
 * every acquire says which version it holds, and the answer carries the map only when that
 * version is not current, so a copy is refreshed by traffic the isolate sends anyway. A copy
 * not confirmed for SHARD_MAP_TTL_MS is stale: the next acquire goes to the tenant's root
 * (which always can serve), and its answer brings the map back. Pure: time is an argument.
 */

export const SHARD_MAP_TTL_MS = 2000;

interface Entry {
  map: ShardMap;
  confirmedAt: number;
}

export class ShardMapCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxTenants = 10_000,
    private readonly ttlMs = SHARD_MAP_TTL_MS,
  ) {}

  /** The map to route by, or undefined when there is none fresh (then ask the root). */
  current(tenant: string, now: number): ShardMap | undefined {
    const entry = this.entries.get(tenant);
    return entry && now - entry.confirmedAt < this.ttlMs ? entry.map : undefined;
  }

  /** The version this isolate holds, fresh or not (sent with each acquire). */
  version(tenant: string): number | undefined {
    return this.entries.get(tenant)?.map.version;
  }

  /** An answer carried a map: a newer one replaces ours, an older one (from a lagging shard) is ignored. */
  learn(tenant: string, map: ShardMap, now: number): void {
    const held = this.entries.get(tenant);
    if (held && held.map.version > map.version) return;
    this.entries.delete(tenant);
    this.entries.set(tenant, { map, confirmedAt: now });
    if (this.entries.size > this.maxTenants) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** An answer without a map: the controller holds our version, so our copy is current. */
  confirm(tenant: string, now: number): void {
    const entry = this.entries.get(tenant);
    if (entry) entry.confirmedAt = now;
  }
}
