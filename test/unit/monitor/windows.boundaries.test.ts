import { describe, expect, it } from "vitest";
import { emptyBucket, type Bucket } from "../../../durable-objects/monitor/windows/bucket";
import { outcomeCounts } from "../../../durable-objects/monitor/windows/traffic-stats";
import { floorTo, MINUTE, Windows } from "../../../durable-objects/monitor/windows/windows";
import { admissionSnapshot, batchOf, T0 } from "./support";

const requestsIn = (b: Bucket): number => Object.values(outcomeCounts(Object.values(b.series))).reduce((a, n) => a + n, 0);
const HOUR = 60 * MINUTE;

/** One request per minute-offset given, each in its own batch. */
function windowsWith(minuteOffsets: number[], at = (m: number) => T0 + m * MINUTE + 1000): Windows {
  const w = new Windows();
  minuteOffsets.forEach((m, i) => w.addBatch(batchOf([{ count: 1 }], at(m), "i", i + 1), at(m)));
  return w;
}

describe("Windows: when a minute closes", () => {
  it("folds a minute into the coarse buckets exactly when it ends, not a millisecond before", () => {
    const w = windowsWith([0]);
    w.roll(T0 + MINUTE - 1);
    expect(w.bucketsBetween(5 * MINUTE, 0, Infinity)).toEqual([]);
    expect(w.takeChanges().foldedThrough).toBe(0);
    w.roll(T0 + MINUTE);
    expect(w.bucketsBetween(5 * MINUTE, 0, Infinity).map(requestsIn)).toEqual([1]);
    expect(w.bucketsBetween(HOUR, 0, Infinity).map(requestsIn)).toEqual([1]);
    expect(w.takeChanges().foldedThrough).toBe(T0 + MINUTE);
  });

  it("folds minutes in time order, so a minute written after a later one is not folded twice", () => {
    const w = new Windows();
    w.addBatch(batchOf([{ count: 1 }], T0 + 2 * MINUTE, "i", 1), T0 + 2 * MINUTE);
    // The clock stepped back into a minute nothing has folded yet.
    w.addBatch(batchOf([{ count: 1 }], T0, "i", 2), T0);
    w.roll(T0 + 3 * MINUTE);
    w.roll(T0 + 4 * MINUTE);
    expect(w.bucketsBetween(5 * MINUTE, 0, Infinity).map(requestsIn)).toEqual([2]);
  });

  it("never reopens a folded minute when the clock steps back", () => {
    const w = windowsWith([0]);
    w.roll(T0 + 2 * MINUTE);
    w.addBatch(batchOf([{ count: 1 }], T0, "i", 9), T0 + 30_000);
    // The late batch lands in the first minute not folded yet.
    expect(w.minutes(3, T0 + 2 * MINUTE).map(requestsIn)).toEqual([1, 1, 0]);
  });
});

describe("Windows: retention", () => {
  it("keeps the 60th minute back and drops the 61st, reporting the drop and not the dropped bucket", () => {
    const w = windowsWith([0, 1]);
    w.takeChanges();
    const now = T0 + 60 * MINUTE;
    // The oldest kept minute starts 59 minutes before the current one.
    w.roll(now + MINUTE - 1);
    expect(w.bucketsBetween(MINUTE, 0, Infinity).map((b) => b.start)).toEqual([T0 + MINUTE]);
    const changes = w.takeChanges();
    expect(changes.deletes).toEqual([{ resolutionMs: MINUTE, start: T0 }]);
    expect(changes.upserts.some((b) => b.resolutionMs === MINUTE && b.start === T0)).toBe(false);
    expect(w.takeChanges()).toEqual({ upserts: [], deletes: [], foldedThrough: T0 + 2 * MINUTE });
  });

  it("keeps 72 five-minute buckets and 72 hour buckets", () => {
    const w = windowsWith([0]);
    w.roll(T0 + 71 * 5 * MINUTE);
    expect(w.bucketsBetween(5 * MINUTE, 0, Infinity)).toHaveLength(1);
    w.roll(T0 + 72 * 5 * MINUTE);
    expect(w.bucketsBetween(5 * MINUTE, 0, Infinity)).toHaveLength(0);
    expect(w.bucketsBetween(HOUR, 0, Infinity)).toHaveLength(1);
    w.roll(T0 + 72 * HOUR - 1);
    expect(w.bucketsBetween(HOUR, 0, Infinity)).toHaveLength(1);
    w.roll(T0 + 72 * HOUR);
    expect(w.bucketsBetween(HOUR, 0, Infinity)).toHaveLength(0);
  });
});

describe("Windows: which buckets a window reads", () => {
  it("reads minutes up to an hour, five-minute buckets beyond, hour buckets beyond six hours", () => {
    const w = windowsWith([0, 1, 2]);
    const now = T0 + 3 * MINUTE;
    expect(w.bucketsIn(HOUR, now).resolutionMs).toBe(MINUTE);
    expect(w.bucketsIn(HOUR + 1, now).resolutionMs).toBe(5 * MINUTE);
    expect(w.bucketsIn(6 * HOUR, now).resolutionMs).toBe(5 * MINUTE);
    expect(w.bucketsIn(6 * HOUR + 1, now).resolutionMs).toBe(HOUR);
    expect(w.bucketsIn(100 * 24 * HOUR, now).resolutionMs).toBe(HOUR);
  });

  it("starts at the bucket holding now - window and stops at now", () => {
    const w = windowsWith([0, 1, 2, 3]);
    const now = T0 + 2 * MINUTE + 500;
    const { start, buckets } = w.bucketsIn(MINUTE, now);
    expect(start).toBe(T0 + MINUTE);
    expect(buckets.map((b) => b.start)).toEqual([T0 + MINUTE, T0 + 2 * MINUTE]);
  });

  it("adds to coarse buckets only the minutes not yet folded into them", () => {
    const w = windowsWith([0, 1, 2]);
    w.roll(T0 + 2 * MINUTE);
    const { buckets } = w.bucketsIn(2 * HOUR, T0 + 2 * MINUTE + 1);
    expect(buckets.map((b) => `${b.resolutionMs / MINUTE}m@${(b.start - T0) / MINUTE}`)).toEqual(["5m@0", "1m@2"]);
    expect(buckets.map(requestsIn).reduce((a, n) => a + n, 0)).toBe(3);
  });

  it("dates a view from its first bucket with data, else from the start of the range, and keeps tenant detail only in minutes", () => {
    const w = windowsWith([5]);
    const now = T0 + 6 * MINUTE;
    expect(w.window(10 * MINUTE, now)).toMatchObject({ from: T0 + 5 * MINUTE, to: now });
    expect(w.window(10 * MINUTE, now).bucket.tenantDetail).toBe(true);
    expect(w.window(2 * HOUR, now).bucket.tenantDetail).toBe(false);
    expect(new Windows().window(10 * MINUTE, now).from).toBe(floorTo(now - 10 * MINUTE, MINUTE));
  });

  it("counts a minute with only an admission report as data", () => {
    const w = new Windows();
    const snap = admissionSnapshot({ at: T0 + 3 * MINUTE });
    w.addAdmission(snap, snap.decisions, T0 + 3 * MINUTE);
    expect(w.window(10 * MINUTE, T0 + 4 * MINUTE).from).toBe(T0 + 3 * MINUTE);
    expect(w.takeChanges().upserts.map((b) => b.start)).toEqual([T0 + 3 * MINUTE]);
  });

  it("lists buckets of one resolution in [from, to) and refuses an unknown resolution", () => {
    const w = windowsWith([0, 1, 2]);
    expect(w.bucketsBetween(MINUTE, T0 + MINUTE, T0 + 2 * MINUTE).map((b) => b.start)).toEqual([T0 + MINUTE]);
    expect(() => w.bucketsBetween(1234, 0, Infinity)).toThrow("unknown resolution 1234");
  });

  it("restores buckets by their resolution and ignores one of a resolution it does not keep", () => {
    const minute = emptyBucket(T0, MINUTE);
    const odd = emptyBucket(T0, 1234);
    const w = new Windows([minute, odd], T0);
    expect(w.bucketsBetween(MINUTE, 0, Infinity)).toEqual([minute]);
    expect(w.takeChanges().foldedThrough).toBe(T0);
  });
});
