import { describe, expect, it } from "vitest";
import { emptyBucket } from "../../../durable-objects/monitor/windows/bucket";
import { MINUTE, Windows } from "../../../durable-objects/monitor/windows/windows";
import { batchOf, T0 } from "./support";

const HOUR = 60 * MINUTE;
const label = (b: { resolutionMs: number; start: number }) => `${b.resolutionMs / MINUTE}m@${(b.start - T0) / MINUTE}`;

// The edges of a view: a bucket starting exactly at `now` is in it, one after `now` is not,
// an empty bucket does not date it, and the merged bucket spans from the range's start to now.
describe("Windows views: edges", () => {
  it("dates a view from the first bucket that holds data, not from an empty restored one", () => {
    // A minute restored without any data (as SQLite may hold it) before the first real one.
    const w = new Windows([emptyBucket(T0 + 2 * MINUTE, MINUTE)], T0);
    w.addBatch(batchOf([{ count: 1 }], T0 + 5 * MINUTE, "i", 1), T0 + 5 * MINUTE);
    expect(w.window(10 * MINUTE, T0 + 6 * MINUTE).from).toBe(T0 + 5 * MINUTE);
  });

  it("merges into one bucket spanning from the range's start to now", () => {
    const w = new Windows();
    w.addBatch(batchOf([{ count: 1 }], T0 + MINUTE, "i", 1), T0 + MINUTE);
    const now = T0 + 3 * MINUTE + 500;
    const { bucket } = w.window(2 * MINUTE, now);
    expect([bucket.start, bucket.resolutionMs]).toEqual([T0 + MINUTE, now - (T0 + MINUTE)]);
  });

  it("includes a minute that starts exactly at now, at the finest and at a coarse resolution", () => {
    const w = new Windows();
    w.addBatch(batchOf([{ count: 1 }], T0, "i", 1), T0);
    w.addBatch(batchOf([{ count: 1 }], T0 + 2 * MINUTE, "i", 2), T0 + 2 * MINUTE);
    const now = T0 + 2 * MINUTE;
    expect(w.bucketsIn(5 * MINUTE, now).buckets.map(label)).toEqual(["1m@0", "1m@2"]);
    expect(w.bucketsIn(2 * HOUR, now).buckets.map(label)).toEqual(["5m@0", "1m@2"]);
  });

  it("leaves out a minute not folded yet that starts after now", () => {
    const w = new Windows();
    w.addBatch(batchOf([{ count: 1 }], T0 + 5 * MINUTE, "i", 1), T0 + 5 * MINUTE);
    // Asked about an earlier instant (a report computed with an older clock).
    expect(w.bucketsIn(2 * HOUR, T0 + 3 * MINUTE).buckets).toEqual([]);
    expect(w.bucketsIn(10 * MINUTE, T0 + 3 * MINUTE).buckets).toEqual([]);
  });
});
