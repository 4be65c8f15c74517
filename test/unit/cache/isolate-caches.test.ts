import { describe, expect, it } from "vitest";
import { CacheRegistry, cacheSettingsOf, type CacheObserver, type CacheSettings } from "../../../worker/cache/isolate-caches";
import { ENTRY_OVERHEAD_BYTES, estimateEntryBytes } from "../../../worker/cache/entry-size";
import { parseConfig } from "../../../worker/config";
import { shippedVars } from "../shipped-vars";
import { T0 } from "./support";

/** Counts what the caches report, per cache name, as the telemetry recorder would. */
function countingObserver() {
  const counts: Record<string, { hits: number; misses: number; evictions: number }> = {};
  const of = (cache: string) => (counts[cache] ??= { hits: 0, misses: 0, evictions: 0 });
  const observer: CacheObserver = {
    recordCache: (cache, result) => void (result === "hit" ? of(cache).hits++ : of(cache).misses++),
    recordCacheEvictions: (cache, n) => void (of(cache).evictions += n),
  };
  return { observer, counts };
}

function registryWith(vars: Record<string, string>) {
  const clock = { now: T0 };
  const registry = new CacheRegistry(() => clock.now);
  const auth = registry.define<{ id: string; pad?: string }>("auth", { ttlMs: 10_000 });
  const stats = registry.define<{ total: number; pad?: string }>("stats", { ttlMs: 30_000 });
  const { observer, counts } = countingObserver();
  registry.configure(cacheSettingsOf(parseConfig({ ...shippedVars(), ...vars })), observer);
  return { registry, auth, stats, counts, clock };
}

describe("isolate caches", () => {
  it("report each lookup as a hit or a miss under the cache's own name", () => {
    const { auth, stats, counts } = registryWith({ CACHE_STRATEGY: "lru" });
    expect(auth.get("k1")).toBeUndefined();
    auth.set("k1", { id: "t1" });
    expect(auth.get("k1")).toEqual({ id: "t1" });
    expect(auth.get("k1")).toEqual({ id: "t1" });
    expect(stats.get("t1")).toBeUndefined();
    expect(counts).toEqual({ auth: { hits: 2, misses: 1, evictions: 0 }, stats: { hits: 0, misses: 1, evictions: 0 } });
  });

  it.each(["lru", "adaptive"])("CACHE_MAX_SIZE=N holds at most N entries per cache and counts every eviction (%s)", (strategy) => {
    const { auth, stats, counts } = registryWith({ CACHE_STRATEGY: strategy, CACHE_MAX_SIZE: "3" });
    for (let i = 0; i < 10; i++) auth.set(`k${i}`, { id: `t${i}` });
    for (let i = 0; i < 2; i++) stats.set(`t${i}`, { total: i });
    expect(auth.size).toBe(3);
    expect(stats.size).toBe(2);
    expect(counts.auth?.evictions).toBe(7);
    expect(counts.stats).toBeUndefined();
  });

  it.each(["lru", "adaptive"])("MEMORY_MAX_CAPACITY bounds the bytes the caches hold together, split between them (%s)", (strategy) => {
    const { registry, auth, stats, counts } = registryWith({ CACHE_STRATEGY: strategy, MEMORY_MAX_CAPACITY: "1" });
    const pad = "x".repeat(50_000); // ~100 KB per entry at two bytes a character
    for (let i = 0; i < 20; i++) auth.set(`k${i}`, { id: `t${i}`, pad });
    for (let i = 0; i < 20; i++) stats.set(`t${i}`, { total: i, pad });
    expect(registry.bytesPerCache).toBe(512 * 1024);
    for (const cache of [auth, stats]) {
      expect(cache.bytes).toBeLessThanOrEqual(512 * 1024);
      expect(cache.size).toBe(5);
    }
    expect(auth.bytes + stats.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(counts.auth?.evictions).toBe(15);
    expect(counts.stats?.evictions).toBe(15);
  });

  it("CACHE_STRATEGY=off stores nothing: every lookup misses, even right after a set", () => {
    const { auth, counts } = registryWith({ CACHE_STRATEGY: "off" });
    for (let i = 0; i < 5; i++) {
      auth.set("k", { id: "t" });
      expect(auth.get("k")).toBeUndefined();
    }
    expect(auth.size).toBe(0);
    expect(counts.auth).toEqual({ hits: 0, misses: 5, evictions: 0 });
  });

  it("adaptive and lru differ on a scan: the hot keys survive it only under adaptive", () => {
    const hotHits = (strategy: string) => {
      const { auth, counts } = registryWith({ CACHE_STRATEGY: strategy, CACHE_MAX_SIZE: "10" });
      const use = (key: string) => auth.get(key) ?? auth.set(key, { id: key });
      for (let round = 0; round < 2; round++) for (let h = 0; h < 4; h++) use(`hot${h}`);
      for (let i = 0; i < 50; i++) use(`scan${i}`);
      const before = counts.auth?.hits ?? 0;
      for (let h = 0; h < 4; h++) use(`hot${h}`);
      return (counts.auth?.hits ?? 0) - before;
    };
    expect(hotHits("adaptive")).toBe(4);
    expect(hotHits("lru")).toBe(0);
  });

  it("entries expire after the cache's time-to-live", () => {
    const { auth, stats, clock } = registryWith({ CACHE_STRATEGY: "adaptive" });
    auth.set("k", { id: "t" });
    stats.set("t", { total: 1 });
    clock.now += 10_001;
    expect(auth.get("k")).toBeUndefined();
    expect(stats.get("t")).toEqual({ total: 1 });
  });

  it("new settings start the caches empty; the same settings again keep what they hold", () => {
    const { registry, auth } = registryWith({ CACHE_STRATEGY: "lru" });
    auth.set("k", { id: "t" });
    const same: CacheSettings = { ...registry.settings };
    registry.configure(same, registry.observer);
    expect(auth.get("k")).toEqual({ id: "t" });
    registry.configure({ ...same, strategy: "adaptive" }, registry.observer);
    expect(auth.get("k")).toBeUndefined();
  });

  it("an unconfigured registry caches nothing", () => {
    const registry = new CacheRegistry();
    const cache = registry.define<{ id: string }>("c", { ttlMs: 1000 });
    cache.set("k", { id: "t" });
    expect(cache.get("k")).toBeUndefined();
  });

  it("refuses two caches with one name: their metrics would mix", () => {
    const registry = new CacheRegistry();
    registry.define("c", { ttlMs: 1000 });
    expect(() => registry.define("c", { ttlMs: 1000 })).toThrow(/c/);
  });

  it("estimates an entry's size from its key and JSON form", () => {
    expect(estimateEntryBytes("ab", { x: 1 })).toBe(ENTRY_OVERHEAD_BYTES + 2 * (2 + '{"x":1}'.length));
  });
});
