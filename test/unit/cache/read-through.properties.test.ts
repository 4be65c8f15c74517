import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheRegistry } from "../../../worker/cache/isolate-caches";
import { isCurrent, readThrough, type CachedRead, type ReadFlights, type VersionedSource } from "../../../worker/cache/read-through";
import { VersionCheckPolicy } from "../../../worker/cache/version-check-policy";

/**
 * The version rule of the isolate caches, against a model of D1: one data version that every
 * write bumps atomically with the data (here the value *is* the version it was written at), two
 * isolates each with its own cache and its reads under way (one of them skipping version checks
 * while its entries are mostly stale), and fast-check's scheduler choosing how every round trip
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
  const flights: ReadFlights<V> = new Map();
  return { cache: registry.define<CachedRead<V>>("reads", { ttlMs: 60_000 }), counts, flights };
}

describe("readThrough", () => {
  it.each(["lru", "adaptive", "off"] as const)(
    "%s: no read started after a write completed returns data older than that write, and a value is always labelled with its own version",
    async (strategy) => {
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), ops, async (s, plan) => {
          const db = { version: 0 };
          let completed = 0;
          // Two legs: the query runs in D1 at one scheduled instant, its answer arrives at a later one.
          const roundTrip = <T>(read: () => T): Promise<T> =>
            s
              .schedule(Promise.resolve())
              .then(read)
              .then((answer) => s.schedule(Promise.resolve(answer)));
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
              const { cache, flights } = isolates[op.isolate]!;
              const read = await readThrough(cache, "k", source, { now: () => 0, flights, ...(op.isolate === 1 && { check: checks.for("t") }) });
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

  describe("reads under way", () => {
    /** A source whose value reads wait until released, and count. */
    function heldSource() {
      const db = { version: 1 };
      const pending: (() => void)[] = [];
      const counts = { version: 0, value: 0 };
      const source: VersionedSource<number> = {
        version: async () => (counts.version++, db.version),
        valueWithVersion: () => {
          counts.value++;
          const at = db.version;
          return new Promise((resolve) => pending.push(() => resolve({ version: at, value: at })));
        },
      };
      const releaseAll = () => pending.splice(0).forEach((release) => release());
      return { db, source, counts, releaseAll };
    }
    const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

    it("readers that miss while a read of their key is under way join it: one value read for the burst", async () => {
      const { cache, counts, flights } = isolate("lru", () => 0);
      const held = heldSource();
      const reads = Array.from({ length: 5 }, () => readThrough(cache, "k", held.source, { now: () => 0, flights }));
      await settle();
      held.releaseAll();
      const results = await Promise.all(reads);
      expect(held.counts.value).toBe(1);
      expect(results.map((r) => r.value)).toEqual([1, 1, 1, 1, 1]);
      expect(counts).toEqual({ hit: 4, miss: 1 });
      expect(flights.size).toBe(0);
    });

    it("a reader that arrives after a write does not take a read begun before it", async () => {
      const { cache, flights } = isolate("lru", () => 0);
      const held = heldSource();
      const early = readThrough(cache, "k", held.source, { now: () => 0, flights });
      await settle();
      held.db.version = 2; // a write completes while the early read is under way
      const late = readThrough(cache, "k", held.source, { now: () => 0, flights });
      await settle();
      held.releaseAll();
      await settle();
      held.releaseAll();
      expect((await early).value).toBe(1);
      expect(await late).toMatchObject({ value: 2, hit: false });
      expect(held.counts.value).toBe(2);
    });

    it("a failed read under way: the readers that joined it read for themselves", async () => {
      const { cache, flights } = isolate("lru", () => 0);
      let calls = 0;
      let fail: (err: Error) => void = () => undefined;
      const source: VersionedSource<number> = {
        version: async () => 1,
        valueWithVersion: () => (++calls === 1 ? new Promise((_, reject) => (fail = reject)) : Promise.resolve({ version: 1, value: 1 })),
      };
      const first = readThrough(cache, "k", source, { now: () => 0, flights });
      const joiner = readThrough(cache, "k", source, { now: () => 0, flights });
      await settle();
      fail(new Error("D1 went away"));
      await expect(first).rejects.toThrow("D1 went away");
      expect(await joiner).toMatchObject({ value: 1, hit: false });
      expect(calls).toBe(2);
    });

    it("a read under way that never ends (its request was cancelled) holds a joiner only until joinWaitMs", async () => {
      const { cache, flights } = isolate("lru", () => 0);
      let calls = 0;
      const source: VersionedSource<number> = {
        version: async () => 1,
        valueWithVersion: () => (++calls === 1 ? new Promise(() => undefined) : Promise.resolve({ version: 1, value: 1 })),
      };
      void readThrough(cache, "k", source, { now: () => 0, flights });
      const started = Date.now();
      expect(await readThrough(cache, "k", source, { now: () => 0, flights, joinWaitMs: 30 })).toMatchObject({ value: 1, hit: false });
      expect(Date.now() - started).toBeGreaterThanOrEqual(25);
      expect(calls).toBe(2);
    });

    it("without a flights map every reader reads (CACHE_STRATEGY=off passes none)", async () => {
      const { cache } = isolate("off", () => 0);
      const held = heldSource();
      const reads = Array.from({ length: 3 }, () => readThrough(cache, "k", held.source, { now: () => 0 }));
      await settle();
      held.releaseAll();
      await Promise.all(reads);
      expect(held.counts.value).toBe(3);
    });
  });
});
