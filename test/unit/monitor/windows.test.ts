import { describe, expect, it } from "vitest";
import type { Bucket } from "../../../durable-objects/monitor/windows/bucket";
import { outcomeCounts } from "../../../durable-objects/monitor/windows/traffic-stats";
import { MINUTE, RESOLUTIONS, Windows } from "../../../durable-objects/monitor/windows/windows";
import { batchOf, T0 } from "./support";

const requestsIn = (b: Bucket): number => Object.values(outcomeCounts(Object.values(b.series))).reduce((a, n) => a + n, 0);

describe("Windows: rotation and rollup with an injected clock", () => {
  it("lands data in the current minute and folds each closed minute once into 5 m and 1 h", () => {
    const w = new Windows();
    for (let m = 0; m < 7; m++) w.addBatch(batchOf([{ count: 10 }], T0 + m * MINUTE + 5_000, "i", m + 1), T0 + m * MINUTE + 5_000);
    const now = T0 + 7 * MINUTE + 1_000;
    w.roll(now);
    expect(w.minutes(8, now).map(requestsIn)).toEqual([10, 10, 10, 10, 10, 10, 10, 0]);
    const fiveMin = w.bucketsBetween(5 * MINUTE, 0, Number.MAX_SAFE_INTEGER);
    expect(fiveMin.map((b) => [b.start - T0, requestsIn(b)])).toEqual([
      [0, 50],
      [5 * MINUTE, 20],
    ]);
    // Coarse buckets drop the tenant from latency series, keep it in tenantOutcomes.
    expect(Object.values(fiveMin[0]?.series ?? {}).every((s) => s.tenant === "*")).toBe(true);
    expect(fiveMin[0]?.tenantOutcomes.t1?.normal?.success).toBe(50);
    const hour = w.bucketsBetween(60 * MINUTE, 0, Number.MAX_SAFE_INTEGER);
    expect(hour.map(requestsIn)).toEqual([70]);
  });

  it("answers a window from the finest resolution that holds it, counting unfolded minutes exactly once", () => {
    const w = new Windows();
    for (let m = 0; m < 90; m++) w.addBatch(batchOf([{ count: 1 }], T0 + m * MINUTE, "i", m + 1), T0 + m * MINUTE + 1);
    const now = T0 + 89 * MINUTE + 30_000;
    // Buckets overlapping the last 5 minutes: 84..89 (the one at 84 is half inside).
    expect(requestsIn(w.window(5 * MINUTE, now).bucket)).toBe(6);
    expect(requestsIn(w.window(60 * MINUTE, now).bucket)).toBe(60);
    // 2 h → 5-minute buckets (whole ones) plus the minute not yet folded.
    expect(requestsIn(w.window(120 * MINUTE, now).bucket)).toBe(90);
    expect(requestsIn(w.window(72 * 60 * MINUTE, now).bucket)).toBe(90);
  });

  it("keeps 60 x 1 min, 72 x 5 min, 72 x 1 h and reports what to delete", () => {
    const w = new Windows();
    const start = T0;
    // One request every 10 minutes for 4 days.
    let seq = 0;
    for (let t = start; t < start + 4 * 24 * 60 * MINUTE; t += 10 * MINUTE) w.addBatch(batchOf([{ count: 1 }], t, "i", ++seq), t);
    const now = start + 4 * 24 * 60 * MINUTE;
    w.roll(now);
    const changes = w.takeChanges();
    expect(changes.deletes.length).toBeGreaterThan(0);
    for (const r of RESOLUTIONS) {
      const kept = w.bucketsBetween(r.ms, 0, Number.MAX_SAFE_INTEGER);
      expect(kept.length).toBeLessThanOrEqual(r.keep);
      expect(Math.min(...kept.map((b) => b.start))).toBeGreaterThanOrEqual(now - r.keep * r.ms);
    }
  });

  it("a restart from persisted buckets neither loses nor double-folds a minute", () => {
    const w = new Windows();
    for (let m = 0; m < 3; m++) w.addBatch(batchOf([{ count: 4 }], T0 + m * MINUTE, "i", m + 1), T0 + m * MINUTE + 1);
    w.roll(T0 + 2 * MINUTE + 10);
    const saved = new Map<string, Bucket>();
    const apply = (c: ReturnType<Windows["takeChanges"]>) => {
      for (const b of c.upserts) saved.set(`${b.resolutionMs}:${b.start}`, JSON.parse(JSON.stringify(b)) as Bucket);
      for (const d of c.deletes) saved.delete(`${d.resolutionMs}:${d.start}`);
      return c.foldedThrough;
    };
    const folded = apply(w.takeChanges());
    const restarted = new Windows([...saved.values()], folded);
    restarted.roll(T0 + 10 * MINUTE);
    expect(requestsIn(restarted.window(60 * MINUTE, T0 + 10 * MINUTE).bucket)).toBe(12);
    expect(restarted.bucketsBetween(5 * MINUTE, 0, Number.MAX_SAFE_INTEGER).map(requestsIn)).toEqual([12]);
    // Rolling again changes nothing.
    restarted.roll(T0 + 10 * MINUTE);
    expect(restarted.bucketsBetween(5 * MINUTE, 0, Number.MAX_SAFE_INTEGER).map(requestsIn)).toEqual([12]);
  });
});
