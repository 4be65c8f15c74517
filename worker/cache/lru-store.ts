import { LRUCache } from "lru-cache";
import type { CacheStore, StoreLimits } from "./cache-store";

/** CACHE_STRATEGY=lru: least recently used goes first (the `lru-cache` package). */
export function lruStore<V extends object>(limits: StoreLimits<V>): CacheStore<V> {
  const cache = new LRUCache<string, V>({
    max: limits.maxEntries,
    maxSize: limits.maxBytes,
    sizeCalculation: (value, key) => Math.max(1, Math.ceil(limits.sizeOf(key, value))),
    ttl: limits.ttlMs,
    // Read the clock on every check: no timer-driven caching of "now" (and tests own the clock).
    ttlResolution: 0,
    perf: { now: limits.now },
    dispose: (_value, _key, reason) => {
      if (reason === "evict") limits.onEvict();
    },
  });
  return {
    get: (key) => cache.get(key),
    set: (key, value) => void cache.set(key, value),
    delete: (key) => void cache.delete(key),
    deleteWhere: (matches) => {
      const doomed = [...cache.entries()].filter(([, value]) => matches(value)).map(([key]) => key);
      for (const key of doomed) cache.delete(key);
    },
    get size() {
      return cache.size;
    },
    get bytes() {
      return cache.calculatedSize;
    },
  };
}
