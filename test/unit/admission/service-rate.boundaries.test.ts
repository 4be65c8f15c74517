import { describe, expect, it } from "vitest";
import { ServiceRate } from "../../../durable-objects/admission/service-rate";
import { T0 } from "./support";

describe("ServiceRate measurement", () => {
  it("takes the first hold time as is, then moves by 2 / 21 of each difference (a 20-sample EWMA)", () => {
    const rate = new ServiceRate();
    rate.record(100, T0);
    expect(rate.measuredServiceMs).toBe(100);
    rate.record(200, T0 + 1);
    expect(rate.measuredServiceMs).toBeCloseTo(100 + (2 / 21) * 100);
    rate.record(0, T0 + 2); // a zero hold is a measurement too
    expect(rate.measuredServiceMs).toBeCloseTo(100 + (2 / 21) * 100 - (2 / 21) * (100 + (2 / 21) * 100));
  });

  it("ignores negative and non-finite hold times but still counts the completion", () => {
    const rate = new ServiceRate({ serviceMs: 50 });
    for (const hold of [-1, Number.NaN, Number.POSITIVE_INFINITY]) rate.record(hold, T0 + 500);
    expect(rate.measuredServiceMs).toBe(50);
    expect(rate.completionsPerSec(T0 + 1500)).toBeCloseTo(0.3 * 3);
  });

  it("restores a valid snapshot, including zero, and treats anything else as unmeasured", () => {
    expect(new ServiceRate({ serviceMs: 0 }).measuredServiceMs).toBe(0);
    expect(new ServiceRate({ serviceMs: 42 }).snapshot()).toEqual({ serviceMs: 42 });
    expect(new ServiceRate({ serviceMs: -5 }).measuredServiceMs).toBeNull();
    expect(new ServiceRate({ serviceMs: Number.NaN }).measuredServiceMs).toBeNull();
    expect(new ServiceRate({ serviceMs: Number.POSITIVE_INFINITY }).measuredServiceMs).toBeNull();
    expect(new ServiceRate({ serviceMs: null }).snapshot()).toEqual({ serviceMs: null });
    const measured = new ServiceRate();
    measured.record(80, T0);
    expect(new ServiceRate(measured.snapshot()).measuredServiceMs).toBe(80);
  });
});

describe("ServiceRate completions per second", () => {
  it("closes its first one-second bucket a second after the first completion, not on the wall-clock second", () => {
    const rate = new ServiceRate();
    const start = T0 + 500;
    for (let i = 0; i < 10; i++) rate.record(10, start + i * 50);
    expect(rate.completionsPerSec(start + 999)).toBe(0); // the bucket is still open
    expect(rate.completionsPerSec(start + 1000)).toBeCloseTo(0.3 * 10);
    // Each idle second after that is a zero observation.
    expect(rate.completionsPerSec(start + 3000)).toBeCloseTo(0.3 * 10 * 0.7 * 0.7);
  });
});
