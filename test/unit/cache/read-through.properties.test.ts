import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheRegistry } from "../../../worker/cache/isolate-caches";
import { isCurrent, readThrough, type CachedRead, type VersionedSource } from "../../../worker/cache/read-through";
import { VersionCheckPolicy } from "../../../worker/cache/version-check-policy";

/**
 * The version rule of the isolate caches, against a model of D1: one data version that every
 * write bumps atomically with the data (here the value *is* the version it was written at), two
 * isolates each with its own cache (one of them skipping version checks while its entries are
 * mostly stale), and fast-check's scheduler choosing how every round trip
 * interleaves with the others.
 */
type Op = { kind: "write" } | { kind: "read"; isolate: 0 | 1 };

const ops = fc.array(fc.oneof(fc.constant<Op>({ kind: "write" }), fc.constantFrom<Op>({ kind: "read", isolate: 0 }, { kind: "read", isolate: 1 })), {
  minLength: 1,
  maxLength: 40,
});

function isolate<V = number>(strategy: "lru" | "adaptive" | "off", now: () => number) {
  const registry = new CacheRegistry(now);
  registry.configure({ strategy, maxEntries: 4, maxBytes: 1_000_000 });
  const counts = { hit: 0, miss: 0 };
  registry.configure(registry.settings, { recordCache: (_cache, result) => counts[result]++, recordCacheEvictions: () => undefined });
  return { cache: registry.define<CachedRead<V>>("reads", { ttlMs: 60_000 }), counts };
}

describe("readThrough", () => {
  it.each(["lru", "adaptive", "off"] as const)(
    "%s: no read started after a write completed returns data older than that write, and a value is always labelled with its own version",
    async (strategy) => {
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), ops, async (s, plan) => {
          const db = { version: 0 };
          let completed = 0;
          const roundTrip = <T>(read: () => T): Promise<T> => s.schedule(Promise.resolve()).then(read);
          const source: VersionedSource<number> = {
            version: () => roundTrip(() => db.version),
            valueWithVersion: () => roundTrip(() => ({ version: db.version, value: db.version })),
          };
          const isolates = [isolate(strategy, () => 0), isolate(strategy, () => 0)];
          // The second isolate skips version checks whenever its entries were lately stale.
          const checks = new VersionCheckPolicy({ minHitRate: 0.5, weight: 0.5, maxKeys: 10 });
          const reads: { floor: number; value: number; version: number }[] = [];
          const running = plan.map((op) =>
            s.schedule(Promise.resolve()).then(async () => {
              if (op.kind === "write") {
                // Commit (data and version together), then the answer reaches the client.
                const written = await roundTrip(() => ++db.version);
                await roundTrip(() => undefined);
                completed = Math.max(completed, written);
                return;
              }
              const floor = completed;
              const read = await readThrough(isolates[op.isolate]!.cache, "k", source, { now: () => 0, ...(op.isolate === 1 && { check: checks.for("t") }) });
              reads.push({ floor, value: read.value, version: read.version });
            }),
          );
          await s.waitFor(Promise.all(running));
          for (const r of reads) {
            expect(r.value).toBeGreaterThanOrEqual(r.floor);
            expect(r.value).toBe(r.version);
          }
        }),
        { numRuns: 150 },
      );
    },
  );

  it("serves an entry again while nothing is written, and never with CACHE_STRATEGY=off", async () => {
    for (const strategy of ["adaptive", "off"] as const) {
      const { cache, counts } = isolate<string>(strategy, () => 0);
      let queries = 0;
      const source: VersionedSource<string> = { version: async () => 7, valueWithVersion: async () => (queries++, { version: 7, value: "page" }) };
      for (let i = 0; i < 5; i++) expect((await readThrough(cache, "k", source, { now: () => 0 })).value).toBe("page");
      expect(queries).toBe(strategy === "off" ? 5 : 1);
      expect(counts).toEqual(strategy === "off" ? { hit: 0, miss: 5 } : { hit: 4, miss: 1 });
    }
  });

  it("reads the value again once the clock passes the entry's trueUntil, even at the same version", async () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }), (stored, current, trueUntil, now) => {
        expect(isCurrent({ version: stored, trueUntil }, current, now)).toBe(stored === current && now <= trueUntil);
      }),
    );
    let clock = 0;
    const { cache } = isolate("lru", () => clock);
    let queries = 0;
    const source: VersionedSource<number> = { version: async () => 1, valueWithVersion: async () => ({ version: 1, value: ++queries }) };
    const options = { now: () => clock, trueUntil: () => 100 };
    expect((await readThrough(cache, "k", source, options)).value).toBe(1);
    clock = 100;
    expect((await readThrough(cache, "k", source, options)).hit).toBe(true);
    clock = 101;
    expect(await readThrough(cache, "k", source, options)).toMatchObject({ hit: false, value: 2 });
  });

  it("a slow read of an older version does not replace a newer entry stored meanwhile", async () => {
    const { cache } = isolate("lru", () => 0);
    cache.set("k", { version: 5, value: 5, trueUntil: Infinity, verifiedAt: 0 });
    const source: VersionedSource<number> = { version: async () => 6, valueWithVersion: async () => ({ version: 4, value: 4 }) };
    // The entry is stale against version 6, the read returns what it got (4), the newer entry stays.
    expect((await readThrough(cache, "k", source, { now: () => 0 })).value).toBe(4);
    expect(cache.peek("k")?.version).toBe(5);
  });
});
