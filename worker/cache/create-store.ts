import type { CacheStrategy } from "../config";
import type { CacheStore, StoreLimits } from "./cache-store";
import { lruStore } from "./lru-store";
import { SieveStore } from "./sieve-store";

/** CACHE_STRATEGY=off: nothing is kept, so every lookup misses and goes to the source. */
const noStore: CacheStore<never> = {
  get: () => undefined,
  set: () => undefined,
  delete: () => undefined,
  deleteWhere: () => undefined,
  size: 0,
  bytes: 0,
};

export function createStore<V extends object>(strategy: CacheStrategy, limits: StoreLimits<V>): CacheStore<V> {
  const stores: Record<CacheStrategy, () => CacheStore<V>> = {
    lru: () => lruStore(limits),
    adaptive: () => new SieveStore(limits),
    off: () => noStore,
  };
  return stores[strategy]();
}
