import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hotKeysAfterScan, testStore, type Value } from "./support";

/** Both real policies keep the same contract; `off` is tested on its own below. */
const POLICIES = ["lru", "adaptive"] as const;

type Op = { kind: "set"; key: number; size: number } | { kind: "get"; key: number } | { kind: "delete"; key: number } | { kind: "tick"; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), key: fc.integer({ min: 0, max: 40 }), size: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant("get" as const), key: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant("delete" as const), key: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 400 }) }),
);

describe.each(POLICIES)("cache store %s", (strategy) => {
  it("never holds more entries or bytes than its bounds, and never answers with a value other than the last one stored", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 2000 }), fc.array(op, { maxLength: 300 }), (maxEntries, maxBytes, ops) => {
        const sizes = new Map<string, number>();
        const { store, clock } = testStore(strategy, { maxEntries, maxBytes, ttlMs: 1000, sizeOf: (key) => sizes.get(key) ?? 1 });
        const last = new Map<string, { n: number; at: number }>();
        let n = 0;
        for (const o of ops) {
          if (o.kind === "tick") clock.now += o.ms;
          else if (o.kind === "delete") {
            store.delete(`k${o.key}`);
            last.delete(`k${o.key}`);
          } else if (o.kind === "set") {
            sizes.set(`k${o.key}`, o.size);
            store.set(`k${o.key}`, { n: ++n });
            last.set(`k${o.key}`, { n, at: clock.now });
          } else {
            const got = store.get(`k${o.key}`);
            const expected = last.get(`k${o.key}`);
            if (got !== undefined) {
              expect(got.n).toBe(expected?.n);
              expect(clock.now - (expected?.at ?? -Infinity)).toBeLessThanOrEqual(1000);
            }
          }
          expect(store.size).toBeLessThanOrEqual(maxEntries);
          expect(store.bytes).toBeLessThanOrEqual(maxBytes);
        }
      }),
    );
  });

  it("a get right after a set hits, whatever came before, if the entry fits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(op, { maxLength: 200 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 500 }), (maxEntries, ops, key, size) => {
        const sizes = new Map<string, number>();
        const { store, clock } = testStore(strategy, { maxEntries, maxBytes: 500, ttlMs: 1000, sizeOf: (k) => sizes.get(k) ?? 1 });
        for (const o of ops) {
          if (o.kind === "tick") clock.now += o.ms;
          else if (o.kind === "delete") store.delete(`k${o.key}`);
          else if (o.kind === "set") {
            sizes.set(`k${o.key}`, o.size);
            store.set(`k${o.key}`, { n: 0 });
          } else store.get(`k${o.key}`);
        }
        sizes.set(`k${key}`, size);
        const value: Value = { n: 42 };
        store.set(`k${key}`, value);
        expect(store.get(`k${key}`)).toBe(value);
      }),
    );
  });

  it("evicts exactly the overflow, one counted eviction per entry, and keeps the bound", () => {
    const { store, evictions } = testStore(strategy, { maxEntries: 5 });
    for (let i = 0; i < 12; i++) store.set(`k${i}`, { n: i });
    expect(store.size).toBe(5);
    expect(evictions()).toBe(7);
  });

  it("does not store an entry larger than the byte bound, and drops the older value of its key", () => {
    const { store } = testStore(strategy, { maxBytes: 100, sizeOf: (_key, value) => (value.pad?.length ?? 0) + 1 });
    store.set("k", { n: 1 });
    store.set("k", { n: 2, pad: "x".repeat(200) });
    expect(store.get("k")).toBeUndefined();
    expect(store.bytes).toBe(0);
  });

  it("serves an entry until its time-to-live has passed, then misses", () => {
    const { store, clock, evictions } = testStore(strategy, { ttlMs: 1000 });
    store.set("k", { n: 1 });
    clock.now += 1000;
    expect(store.get("k")).toEqual({ n: 1 });
    clock.now += 1;
    expect(store.get("k")).toBeUndefined();
    expect(evictions()).toBe(0);
  });

  it("deleteWhere removes exactly the matching entries", () => {
    const { store } = testStore(strategy);
    for (let i = 0; i < 10; i++) store.set(`k${i}`, { n: i });
    store.deleteWhere((v) => v.n % 2 === 0);
    expect(Array.from({ length: 10 }, (_, i) => store.get(`k${i}`) !== undefined)).toEqual(Array.from({ length: 10 }, (_, i) => i % 2 === 1));
  });
});

describe("cache store off", () => {
  it("stores nothing: every get misses, whatever was set", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
        const { store } = testStore("off");
        for (const o of ops) {
          if (o.kind === "set") store.set(`k${o.key}`, { n: 1 });
          if (o.kind === "get") expect(store.get(`k${o.key}`)).toBeUndefined();
        }
        expect(store.size).toBe(0);
        expect(store.bytes).toBe(0);
      }),
    );
  });
});

describe("scan resistance: adaptive (SIEVE) against lru", () => {
  // SIEVE needs at least two slots outside the working set for the scan to cycle through;
  // with one, its hand wraps to the tail after each eviction and reaches the working set.
  it("frequently used keys survive a scan of one-hit keys under adaptive, and are lost under lru once the scan fills the cache", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 64 }).chain((capacity) =>
          fc.tuple(fc.constant(capacity), fc.integer({ min: 1, max: capacity - 2 }), fc.integer({ min: capacity, max: 5 * capacity })),
        ),
        ([capacity, hot, scan]) => {
          const adaptive = hotKeysAfterScan("adaptive", capacity, hot, scan);
          const lru = hotKeysAfterScan("lru", capacity, hot, scan);
          expect(adaptive).toBe(hot);
          expect(lru).toBe(0);
        },
      ),
    );
  });

  it("never keeps fewer hot keys than lru, whatever the scan length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 200 }), (capacity, hotWanted, scan) => {
        const hot = Math.min(hotWanted, capacity);
        expect(hotKeysAfterScan("adaptive", capacity, hot, scan)).toBeGreaterThanOrEqual(hotKeysAfterScan("lru", capacity, hot, scan));
      }),
    );
  });
});
