import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheRegistry } from "../../../worker/cache/isolate-caches";
import { readThrough, type CachedRead, type VersionedSource } from "../../../worker/cache/read-through";
import { VersionCheckPolicy } from "../../../worker/cache/version-check-policy";

describe("VersionCheckPolicy", () => {
  it("checks a key it has not seen, and stops once its entries are mostly stale", () => {
    const policy = new VersionCheckPolicy({ minHitRate: 0.5, weight: 0.1, maxKeys: 10 });
    expect(policy.worthChecking("t")).toBe(true);
    let stale = 0;
    while (policy.worthChecking("t")) (policy.record("t", false), stale++);
    // 0.9^n < 0.5 first at n = 7.
    expect(stale).toBe(7);
    expect(policy.worthChecking("other")).toBe(true);
  });

  it("keeps the rate between 0 and 1, and checks exactly when the rate is at least the threshold", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), (outcomes, minHitRate, weight) => {
        const policy = new VersionCheckPolicy({ minHitRate, weight, maxKeys: 10 });
        for (const current of outcomes) policy.record("t", current);
        const rate = policy.hitRate("t");
        expect(rate).toBeGreaterThanOrEqual(0);
        expect(rate).toBeLessThanOrEqual(1);
        expect(policy.worthChecking("t")).toBe(rate >= minHitRate);
      }),
    );
  });

  it("comes back to checking after enough current entries", () => {
    const policy = new VersionCheckPolicy({ minHitRate: 0.5, weight: 0.1, maxKeys: 10 });
    for (let i = 0; i < 50; i++) policy.record("t", false);
    expect(policy.worthChecking("t")).toBe(false);
    let current = 0;
    while (!policy.worthChecking("t")) (policy.record("t", true), current++);
    expect(current).toBeGreaterThan(0);
    expect(current).toBeLessThanOrEqual(7);
  });

  it("rejects options outside their ranges", () => {
    expect(() => new VersionCheckPolicy({ minHitRate: 1.5, weight: 0.1, maxKeys: 1 })).toThrow(RangeError);
    expect(() => new VersionCheckPolicy({ minHitRate: 0.5, weight: 0, maxKeys: 1 })).toThrow(RangeError);
  });
});

describe("readThrough with a version check policy", () => {
  function setup() {
    const registry = new CacheRegistry(() => 0);
    registry.configure({ strategy: "adaptive", maxEntries: 10, maxBytes: 1_000_000 });
    const cache = registry.define<CachedRead<number>>("reads", { ttlMs: 60_000 });
    const db = { version: 1, versionReads: 0, valueReads: 0 };
    const source: VersionedSource<number> = {
      version: async () => (db.versionReads++, db.version),
      valueWithVersion: async () => (db.valueReads++, { version: db.version, value: db.version * 10 }),
    };
    return { cache, db, source, policy: new VersionCheckPolicy({ minHitRate: 0.5, weight: 0.5, maxKeys: 10 }) };
  }

  it("skips the version read for a tenant that writes between its reads, and still answers fresh data", async () => {
    const { cache, db, source, policy } = setup();
    const reads: number[] = [];
    for (let i = 0; i < 10; i++) {
      db.version++;
      reads.push((await readThrough(cache, "k", source, { now: () => 0, check: policy.for("t") })).value);
    }
    expect(reads).toEqual(Array.from({ length: 10 }, (_, i) => (i + 2) * 10));
    // The first read has no entry; the next two check and find it stale (rate 0.5, then 0.25); then no more checks.
    expect(db.versionReads).toBe(2);
    expect(db.valueReads).toBe(10);
  });

  it("learns while skipping, and checks again (serving hits) once the writes stop", async () => {
    const { cache, db, source, policy } = setup();
    for (let i = 0; i < 5; i++) {
      db.version++;
      await readThrough(cache, "k", source, { now: () => 0, check: policy.for("t") });
    }
    expect(policy.worthChecking("t")).toBe(false);
    const before = { ...db };
    const hits: boolean[] = [];
    for (let i = 0; i < 5; i++) hits.push((await readThrough(cache, "k", source, { now: () => 0, check: policy.for("t") })).hit);
    // Reads past the entry found it would have been current, so the checks (and the hits) return.
    expect(hits).toContain(true);
    expect(hits.at(-1)).toBe(true);
    expect(db.valueReads - before.valueReads).toBeLessThan(5);
  });

  it("uses a version the caller already read even when checks are skipped", async () => {
    const { cache, db, source, policy } = setup();
    await readThrough(cache, "k", source, { now: () => 0 });
    for (let i = 0; i < 10; i++) policy.record("t", false);
    const read = await readThrough(cache, "k", source, { now: () => 0, knownVersion: db.version, check: policy.for("t") });
    expect(read.hit).toBe(true);
    expect(db.valueReads).toBe(1);
  });
});
