import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_SHARDS, SCALE_DOWN_AFTER_MS, ShardAutoscaler } from "../../../durable-objects/admission/shard-autoscaler";
import { T0 } from "./support";

const TARGET = 500;
const SECOND = 1000;

describe("ShardAutoscaler", () => {
  it("doubles K only once the forecast passes 70 % of K x target", () => {
    const scaler = new ShardAutoscaler({ targetRps: TARGET });
    expect(scaler.decide(350, T0)).toBe(1);
    expect(scaler.decide(351, T0 + SECOND)).toBe(2);
    expect(scaler.decide(700, T0 + 2 * SECOND)).toBe(2);
    expect(scaler.decide(701, T0 + 3 * SECOND)).toBe(4);
  });

  it("with scaleUpAfterMs, doubles only once every forecast for that long was over 70 %: a burst of warm-up calls does not shard", () => {
    const scaler = new ShardAutoscaler({ targetRps: TARGET, scaleUpAfterMs: 2 * SECOND });
    expect(scaler.decide(4 * TARGET, T0)).toBe(1);
    expect(scaler.decide(4 * TARGET, T0 + SECOND)).toBe(1);
    expect(scaler.decide(4 * TARGET, T0 + 2 * SECOND)).toBe(8); // then as far as the spike needs at once
    const bursty = new ShardAutoscaler({ targetRps: TARGET, scaleUpAfterMs: 2 * SECOND });
    const ks = [4, 4, 0.5, 4, 4, 4].map((x, sec) => bursty.decide(x * TARGET, T0 + sec * SECOND));
    expect(ks).toEqual([1, 1, 1, 1, 1, 8]); // a sample under the threshold starts the wait again
  });

  it("with scaleUpAfterMs, keeps a sharded tenant's quiet timer reset while the forecast is over 70 %, even before it doubles", () => {
    const scaler = new ShardAutoscaler({ targetRps: TARGET, scaleUpAfterMs: 2 * SECOND });
    for (let sec = 0; sec <= 2; sec++) scaler.decide(4 * TARGET, T0 + sec * SECOND); // K = 8
    for (let sec = 3; sec < 62; sec++) scaler.decide(0, T0 + sec * SECOND); // quiet from 3 s
    expect(scaler.decide(6 * TARGET, T0 + 62 * SECOND)).toBe(8); // over 70 % of 8: not doubled yet
    expect(scaler.snapshot().quietSince).toBeNull();
    expect(scaler.decide(0, T0 + 63 * SECOND)).toBe(8); // the minute of quiet starts again
  });

  it("walks a ramp from 0 to 4x target through K = 1, 2, 4, 8 and ends at 8", () => {
    // 4x target needs 0.7 * K * target >= 4 * target, so K >= 5.7: the first power of two is 8.
    const scaler = new ShardAutoscaler({ targetRps: TARGET });
    const firstDemandAt = new Map<number, number>();
    for (let step = 0; step <= 40; step++) {
      const demand = 50 * step;
      const shards = scaler.decide(demand, T0 + step * SECOND);
      if (!firstDemandAt.has(shards)) firstDemandAt.set(shards, demand);
    }
    expect([...firstDemandAt.keys()]).toEqual([1, 2, 4, 8]);
    // Each step happens at the first demand above 0.7 * K * target for the K before it.
    expect(firstDemandAt.get(2)).toBe(400);
    expect(firstDemandAt.get(4)).toBe(750);
    expect(firstDemandAt.get(8)).toBe(1450);
    expect(scaler.shards).toBe(8);
  });

  it("jumps straight to the K a spike needs", () => {
    const scaler = new ShardAutoscaler({ targetRps: TARGET });
    expect(scaler.decide(4 * TARGET, T0)).toBe(8);
  });

  it("never goes above the maximum", () => {
    expect(new ShardAutoscaler({ targetRps: TARGET }).decide(1e9, T0)).toBe(DEFAULT_MAX_SHARDS);
    expect(new ShardAutoscaler({ targetRps: TARGET, maxShards: 16 }).decide(1e9, T0)).toBe(16);
  });

  it("grows no further than the ceiling it is given with the forecast, and keeps a K already above it", () => {
    const scaler = new ShardAutoscaler({ targetRps: TARGET });
    expect(scaler.decide(1e9, T0, 4)).toBe(4);
    expect(scaler.decide(1e9, T0 + SECOND, 16)).toBe(16);
    // The ceiling fell (the limit it splits did): K holds rather than cutting shards off.
    expect(scaler.decide(1e9, T0 + 2 * SECOND, 2)).toBe(16);
  });

  it("after 60 s of quiet halves as far as the forecast allows: a tenant gone silent is back to K = 1 at once", () => {
    const scaler = new ShardAutoscaler({ targetRps: TARGET });
    scaler.decide(4 * TARGET, T0);
    const quietFrom = T0 + SECOND;
    const history: number[] = [];
    for (let t = quietFrom; t <= quietFrom + 120 * SECOND; t += SECOND) history.push(scaler.decide(0, t));
    expect(history[59]).toBe(8);
    expect(history[60]).toBe(1);
    expect(history[120]).toBe(1);
  });

  it("stops halving at the K whose 30 % the forecast reaches, and halves further only after another 60 s", () => {
    const scaler = new ShardAutoscaler({ targetRps: TARGET });
    scaler.decide(4 * TARGET, T0); // K = 8
    // 400 req/s: under 30 % of 8 (1200) and of 4 (600), not of 2 (300): lands on 2 (40 % of it).
    for (let sec = 1; sec <= 60; sec++) scaler.decide(400, T0 + sec * SECOND);
    expect(scaler.shards).toBe(8);
    expect(scaler.decide(400, T0 + 61 * SECOND)).toBe(2);
    // Demand falls to 100: under 30 % of 2, but the quiet timer restarted with the halving.
    for (let sec = 62; sec <= 120; sec++) expect(scaler.decide(100, T0 + sec * SECOND)).toBe(2);
    expect(scaler.decide(100, T0 + 121 * SECOND)).toBe(1);
  });

  it("judges the halvings after the first on the last 10 s: a dip at the 60 s mark does not take K below the demand", () => {
    const scaler = new ShardAutoscaler({ targetRps: 100 });
    expect(scaler.decide(1800, T0)).toBe(32); // 1800 > 70 % of 16 x 100
    // Demand eases to 800 (under 30 % of 32 x 100 = 960) for a minute, then dips to 300 at the mark.
    for (let sec = 1; sec < 60; sec++) scaler.decide(800, T0 + sec * SECOND);
    // 800 allowed halving 32 (960) but not 16 (480): one halving, not four.
    expect(scaler.decide(300, T0 + 61 * SECOND)).toBe(16);
  });

  it("halves no further than the K whose 30 % the last 10 s reached, at the boundary exactly", () => {
    const scaler = new ShardAutoscaler({ targetRps: 100 });
    expect(scaler.decide(500, T0)).toBe(8);
    // 120 req/s for a minute: under 30 % of 8 (240), exactly 30 % of 4 (120): one halving.
    for (let sec = 1; sec <= 60; sec++) scaler.decide(120, T0 + sec * SECOND);
    expect(scaler.decide(120, T0 + 61 * SECOND)).toBe(4);
  });

  it("counts a forecast in the last 10 s, not one exactly 10 s old", () => {
    const run = (spikeAtSec: number) => {
      const scaler = new ShardAutoscaler({ targetRps: 100 });
      scaler.decide(500, T0); // K = 8: quiet under 240
      for (let sec = 1; sec <= 61; sec++) scaler.decide(sec === spikeAtSec ? 200 : 0, T0 + sec * SECOND);
      return scaler.shards;
    };
    // The decision comes at 61 s (60 s after the quiet began at 1 s).
    expect(run(51)).toBe(1); // exactly 10 s before: out of the window
    expect(run(52)).toBe(4); // 9 s before: 200 holds K at 4 (30 % of 4 is 120)
  });

  it("keeps no quiet timer at K = 1 (there is nothing to halve)", () => {
    const scaler = new ShardAutoscaler({ targetRps: 100 });
    scaler.decide(0, T0);
    scaler.decide(0, T0 + SECOND);
    expect(scaler.snapshot()).toEqual({ shards: 1, quietSince: null });
  });

  it("restarts the quiet timer on any sample at or above 30 %", () => {
    const scaler = new ShardAutoscaler({ targetRps: TARGET });
    scaler.decide(4 * TARGET, T0); // K = 8: quiet means under 1200 req/s
    for (let sec = 1; sec <= 59; sec++) expect(scaler.decide(1000, T0 + sec * SECOND)).toBe(8);
    expect(scaler.decide(1300, T0 + 60 * SECOND)).toBe(8);
    for (let sec = 61; sec <= 120; sec++) expect(scaler.decide(1000, T0 + sec * SECOND)).toBe(8);
    expect(scaler.decide(1000, T0 + 121 * SECOND)).toBe(4);
  });

  it("keeps K while demand stays between 30 % and 70 % of K x target (no flapping)", () => {
    const scaler = new ShardAutoscaler({ targetRps: TARGET });
    expect(scaler.decide(351, T0)).toBe(2); // just past 70 % of one: 35 % of two, above that K's 30 %
    for (let sec = 1; sec <= 600; sec++) {
      const demand = sec % 2 === 0 ? 301 : 699;
      expect(scaler.decide(demand, T0 + sec * SECOND)).toBe(2);
    }
    for (let sec = 601; sec <= 661; sec++) scaler.decide(299, T0 + sec * SECOND);
    expect(scaler.shards).toBe(1); // just under 30 % of two is 60 % of one: stays at one
    for (let sec = 662; sec <= 1200; sec++) expect(scaler.decide(299, T0 + sec * SECOND)).toBe(1);
  });

  it("restores K and the quiet timer from a snapshot", () => {
    const scaler = new ShardAutoscaler({ targetRps: TARGET });
    scaler.decide(4 * TARGET, T0);
    scaler.decide(0, T0 + SECOND);
    const restored = new ShardAutoscaler({ targetRps: TARGET }, scaler.snapshot());
    expect(restored.shards).toBe(8);
    expect(restored.decide(0, T0 + SECOND + SCALE_DOWN_AFTER_MS - 1)).toBe(8);
    expect(restored.decide(0, T0 + SECOND + SCALE_DOWN_AFTER_MS)).toBe(1);
    expect(new ShardAutoscaler({ targetRps: TARGET, maxShards: 4 }, { shards: 8, quietSince: null }).shards).toBe(1);
    expect(new ShardAutoscaler({ targetRps: TARGET }, { shards: 3, quietSince: null }).shards).toBe(1);
  });

  it("rejects a bad target, maximum or forecast", () => {
    expect(() => new ShardAutoscaler({ targetRps: 0 })).toThrow(RangeError);
    expect(() => new ShardAutoscaler({ targetRps: TARGET, maxShards: 48 })).toThrow(RangeError);
    expect(() => new ShardAutoscaler({ targetRps: TARGET }).decide(Number.NaN, T0)).toThrow(RangeError);
    expect(() => new ShardAutoscaler({ targetRps: TARGET }).decide(-1, T0)).toThrow(RangeError);
  });

  it("keeps K a power of two in [1, max] that covers the forecast, scaling down at most once per 60 s and never below 30 % of the K it halves (property)", () => {
    const step = fc.record({ demand: fc.double({ min: 0, max: 100_000, noNaN: true }), gapMs: fc.integer({ min: 0, max: 90_000 }) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(step, { maxLength: 200 }), (maxExp, steps) => {
        const maxShards = 2 ** maxExp;
        const scaler = new ShardAutoscaler({ targetRps: TARGET, maxShards });
        let now = T0;
        let previous = scaler.shards;
        let lastHalvingAt = Number.NEGATIVE_INFINITY;
        for (const { demand, gapMs } of steps) {
          now += gapMs;
          const shards = scaler.decide(demand, now);
          expect(Number.isInteger(Math.log2(shards))).toBe(true);
          expect(shards).toBeGreaterThanOrEqual(1);
          expect(shards).toBeLessThanOrEqual(maxShards);
          if (shards < maxShards) expect(demand).toBeLessThanOrEqual(0.7 * shards * TARGET);
          if (shards < previous) {
            // Every halving taken was allowed at the K it halved (where it stopped: the unit tests above).
            expect(demand).toBeLessThan(0.3 * 2 * shards * TARGET);
            expect(now - lastHalvingAt).toBeGreaterThanOrEqual(SCALE_DOWN_AFTER_MS);
            lastHalvingAt = now;
          }
          previous = shards;
        }
      }),
      { numRuns: 300 },
    );
  });
});
