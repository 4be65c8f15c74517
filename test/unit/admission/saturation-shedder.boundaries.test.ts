import { describe, expect, it } from "vitest";
import { SaturationShedder, type ShedderOptions } from "../../../durable-objects/admission/saturation-shedder";
import { T0 } from "./support";

// Round numbers so every level can be computed by hand: +riseStep × (least lag / target), at
// most 10× per window; -fallStep (3× below a quarter of the target) once `holdMs` has passed.
const OPTIONS: ShedderOptions = { targetMs: 10, windowMs: 100, riseStep: 0.1, fallStep: 0.1, holdMs: 500, minArrivalsPerSec: 0 };

/** One window starting at `start`: a sample per lag, the last one closing it. Returns its end. */
function window(shedder: SaturationShedder, start: number, lags: number[]): number {
  lags.forEach((lag, i) => shedder.observeLag(lag, i === lags.length - 1 ? start + OPTIONS.windowMs : start + i));
  return start + OPTIONS.windowMs;
}

describe("SaturationShedder level arithmetic", () => {
  it("rises by riseStep × how far the least lag is above the target, capped at 10×, and not at the target itself", () => {
    const shedder = new SaturationShedder(OPTIONS);
    let t = window(shedder, T0, [20, 20]);
    expect(shedder.level).toBeCloseTo(0.2);
    t = window(shedder, t, [10, 10]); // exactly the target: not saturated, and not calm either
    expect(shedder.level).toBeCloseTo(0.2);
    t = window(shedder, t, [15, 15]);
    expect(shedder.level).toBeCloseTo(0.35);
    window(shedder, t, [300, 300]); // 30× the target counts as 10×
    expect(shedder.level).toBeCloseTo(1.35);
    expect(shedder.shedProbability("low")).toBe(1);
    expect(shedder.shedProbability("normal")).toBeCloseTo(0.35);
    expect(shedder.shedProbability("high")).toBe(0);
    expect(shedder.shedProbability("critical")).toBe(0);
  });

  it("falls only from holdMs after the last rise, on a least lag under half the target and a mean under it; 3× (or a tenth of the level) on a mean under a quarter", () => {
    const shedder = new SaturationShedder({ ...OPTIONS, riseStep: 1 });
    let t = window(shedder, T0, [15, 15]); // rise to 1.5 at t
    const risenAt = t;
    expect(shedder.level).toBeCloseTo(1.5);
    while (t < risenAt + OPTIONS.holdMs - OPTIONS.windowMs) {
      t = window(shedder, t, [0, 8]);
      expect(shedder.level).toBeCloseTo(1.5);
    }
    t = window(shedder, t, [0, 8]); // closes exactly holdMs after the rise; least 0, mean 4
    expect(t - risenAt).toBe(OPTIONS.holdMs);
    expect(shedder.level).toBeCloseTo(1.4);
    t = window(shedder, t, [0, 5]); // mean 2.5: a quarter of the target is not below it
    expect(shedder.level).toBeCloseTo(1.3);
    t = window(shedder, t, [0, 2]); // mean 1: clear headroom, 3 × fallStep (more than a tenth of 1.3)
    expect(shedder.level).toBeCloseTo(1.0);
    t = window(shedder, t, [5, 5]); // least 5: half the target is not below it, so it holds
    expect(shedder.level).toBeCloseTo(1.0);
    t = window(shedder, t, [0, 20]); // mean 10: the target is not below it, so it holds
    expect(shedder.level).toBeCloseTo(1.0);
    t = window(shedder, t, [4, 14]); // least 4, mean 9: the thread caught up, if barely
    expect(shedder.level).toBeCloseTo(0.9);
    window(shedder, t, [10, 10, 10, -30]); // a negative lag counts as 0: least 0, mean 7.5
    expect(shedder.level).toBeCloseTo(0.8);
  });

  it("gives a high level back by a tenth of itself per clear window, faster than fallStep's steps", () => {
    const shedder = new SaturationShedder({ ...OPTIONS, riseStep: 1, fallStep: 0.02 });
    let t = window(shedder, T0, [100, 100]); // 10× the target: up to the ceiling
    t = window(shedder, t, [100, 100]);
    expect(shedder.level).toBe(3);
    while (t < T0 + 2 * OPTIONS.windowMs + OPTIONS.holdMs) t = window(shedder, t, [0, 8]);
    expect(shedder.level).toBeCloseTo(3 - 0.02); // the one window past the hold, mean 4: fallStep
    const before = shedder.level;
    t = window(shedder, t, [0, 1]);
    expect(shedder.level).toBeCloseTo(before * 0.9);
    for (let i = 0; i < 30; i++) t = window(shedder, t, [0, 1]);
    expect(shedder.level).toBeLessThan(0.3);
  });

  it("reports the last lag sample, never below zero", () => {
    const shedder = new SaturationShedder(OPTIONS);
    shedder.observeLag(7, T0);
    expect(shedder.lagMs).toBe(7);
    shedder.observeLag(-3, T0 + 1);
    expect(shedder.lagMs).toBe(0);
  });
});

describe("SaturationShedder decisions", () => {
  it("starts shedding a tenant at exactly minArrivalsPerSec, and never sheds critical", () => {
    const shedder = new SaturationShedder({ ...OPTIONS, riseStep: 1, minArrivalsPerSec: 5 });
    // Raised while the tenant was past the floor, then held (still lagging) for two seconds without its requests.
    for (let i = 0; i < 5; i++) shedder.shouldShed("critical", 0, T0);
    let t = window(shedder, T0, [300, 300]);
    expect(shedder.level).toBe(3);
    while (t < T0 + 2100) t = window(shedder, t, [300, 300]);
    expect(shedder.level).toBe(3);
    const decisions = Array.from({ length: 6 }, (_, i) => shedder.shouldShed("low", 0, t + i));
    expect(decisions).toEqual([false, false, false, false, true, true]);
    expect(shedder.shouldShed("critical", 0, t + 6)).toBe(false);
  });

  it("sheds with probability frac(level): a random draw equal to it is kept", () => {
    const shedder = new SaturationShedder({ ...OPTIONS, riseStep: 0.25 });
    const t = window(shedder, T0, [20, 20]);
    expect(shedder.level).toBe(0.5);
    expect(shedder.shouldShed("low", 0.5, t)).toBe(false);
    expect(shedder.shouldShed("low", 0.49, t)).toBe(true);
    expect(shedder.shouldShed("normal", 0, t)).toBe(false);
  });

  it("estimates arrivals per second from two one-second buckets, the older weighted by how little of it is left", () => {
    const shedder = new SaturationShedder(OPTIONS); // level 0: decisions count arrivals only
    const t = T0 + 5000;
    for (let i = 0; i < 10; i++) expect(shedder.shouldShed("low", 0, t + i * 10)).toBe(false);
    expect(shedder.arrivalsPerSec(t + 999)).toBe(10);
    shedder.shouldShed("low", 0, t + 1000); // the first arrival of the next bucket
    expect(shedder.arrivalsPerSec(t + 1250)).toBeCloseTo(1 + 10 * 0.75);
    expect(shedder.arrivalsPerSec(t + 1500)).toBeCloseTo(1 + 10 * 0.5);
    // Two seconds after the bucket began, with nothing since, both buckets are forgotten.
    expect(shedder.arrivalsPerSec(t + 3000)).toBe(0);
    shedder.shouldShed("low", 0, t + 3000);
    expect(shedder.arrivalsPerSec(t + 3500)).toBe(1);
  });
});
