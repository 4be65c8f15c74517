import type { CacheStrategy } from "../../../worker/config";
import type { CacheStore } from "../../../worker/cache/cache-store";
import { createStore } from "../../../worker/cache/create-store";

export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

export interface Value {
  n: number;
  pad?: string;
}

export interface TestStore {
  store: CacheStore<Value>;
  clock: { now: number };
  evictions: () => number;
}

/** A store with its own clock and eviction count; every entry is `bytesEach` bytes unless sizeOf says otherwise. */
export function testStore(
  strategy: CacheStrategy,
  { maxEntries = 100, maxBytes = 1_000_000, ttlMs = 60_000, sizeOf = () => 1 }: { maxEntries?: number; maxBytes?: number; ttlMs?: number; sizeOf?: (key: string, value: Value) => number } = {},
): TestStore {
  const clock = { now: T0 };
  let evicted = 0;
  const store = createStore<Value>(strategy, { maxEntries, maxBytes, ttlMs, sizeOf, onEvict: () => evicted++, now: () => clock.now });
  return { store, clock, evictions: () => evicted };
}

/** Cache-aside use of a key: a hit, or a miss followed by storing the value. Returns whether it hit. */
export function use(store: CacheStore<Value>, key: string): boolean {
  if (store.get(key) !== undefined) return true;
  store.set(key, { n: 1 });
  return false;
}

/** Warms `hot` keys (each used twice), then runs a scan of `scan` one-hit keys; returns how many hot keys still hit. */
export function hotKeysAfterScan(strategy: CacheStrategy, capacity: number, hot: number, scan: number): number {
  const { store } = testStore(strategy, { maxEntries: capacity });
  const hotKeys = Array.from({ length: hot }, (_, i) => `hot-${i}`);
  for (let round = 0; round < 2; round++) for (const key of hotKeys) use(store, key);
  for (let i = 0; i < scan; i++) use(store, `scan-${i}`);
  return hotKeys.filter((key) => store.get(key) !== undefined).length;
}
