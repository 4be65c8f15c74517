import type { TimedStats } from "../db/tasks-repo";
import { CacheRegistry, IsolateCache, isolateCaches } from "./isolate-caches";
import type { CachedRead, ReadFlights } from "./read-through";
import { VersionCheckPolicy } from "./version-check-policy";

/**
 * The caches of task reads (DESIGN.md section 9), under the registry's policy and bounds:
 * `pages`: a list page's JSON per tenant and canonical query; `stats`: a tenant's stats, also
 * the snapshot served under load. Entries carry the data version they were read at and are
 * served as current only while it is still the version in D1 (cache/read-through.ts).
 */
export interface TaskReadCaches {
  registry: CacheRegistry;
  pages: IsolateCache<CachedRead<string>>;
  stats: IsolateCache<CachedRead<TimedStats>>;
  /** Per tenant: whether its entries are current often enough to be worth a version check first. */
  pageChecks: VersionCheckPolicy;
  statsChecks: VersionCheckPolicy;
  /** Value reads under way, which readers that miss meanwhile join (read-through.ts). */
  pageFlights: ReadFlights<string>;
  statsFlights: ReadFlights<TimedStats>;
}

/** Readers join reads under way only while caching is on: CACHE_STRATEGY=off sends every read to D1. */
export function joinableFlights<V>(caches: TaskReadCaches, flights: ReadFlights<V>): ReadFlights<V> | undefined {
  return caches.registry.settings.strategy === "off" ? undefined : flights;
}

/**
 * The version check keeps entries correct however old they are; the time-to-live only lets
 * the entries of tenants that went quiet go, rather than wait for an eviction.
 */
export const TASK_READ_TTL_MS = 5 * 60_000;

export function defineTaskReadCaches(registry: CacheRegistry): TaskReadCaches {
  return {
    registry,
    pages: registry.define("task-pages", { ttlMs: TASK_READ_TTL_MS }),
    stats: registry.define("stats", { ttlMs: TASK_READ_TTL_MS }),
    pageChecks: new VersionCheckPolicy(),
    statsChecks: new VersionCheckPolicy(),
    pageFlights: new Map(),
    statsFlights: new Map(),
  };
}

/** The isolate's own, on the registry every request configures. */
export const isolateTaskReads = defineTaskReadCaches(isolateCaches);
