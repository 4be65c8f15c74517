import { describe, expect, it } from "vitest";
import { FALLBACK_SERVICE_MS, MAX_RETRY_AFTER_MS, MIN_RETRY_AFTER_MS, ServiceRate } from "../../../durable-objects/admission/service-rate";
import { T0 } from "./support";

describe("ServiceRate", () => {
  it("predicts the p-th waiter's wait from service time and slots", () => {
    const rate = new ServiceRate();
    for (let i = 0; i < 50; i++) rate.record(200, T0 + i);
    expect(rate.measuredServiceMs).toBeCloseTo(200);
    expect(rate.predictedWaitMs(1, 4)).toBeCloseTo(50);
    expect(rate.predictedWaitMs(10, 4)).toBeCloseTo(500);
    expect(rate.capacityPerSec(4)).toBeCloseTo(20);
  });

  it("tells the working share of a held slot: the Worker's own time over the controller's hold", () => {
    const rate = new ServiceRate();
    expect(rate.workShare).toBe(1); // nothing measured: every held slot counts
    rate.record(80, T0, 8);
    expect(rate.workShare).toBeCloseTo(0.1);
    for (let i = 1; i < 200; i++) rate.record(100, T0 + i, 100); // a nearby controller: hold = work
    expect(rate.workShare).toBeCloseTo(1);
    rate.record(50, T0 + 200, 500); // work is never more than the hold it was part of
    expect(rate.workShare).toBeLessThanOrEqual(1);
    const distant = new ServiceRate();
    for (let i = 0; i < 50; i++) distant.record(160, T0 + i, 0);
    expect(distant.workShare).toBe(0.01); // floored: a slot is never free of load altogether
    const restored = new ServiceRate({ serviceMs: 40 });
    expect(restored.workShare).toBe(1); // the hold is restored, the work is not yet known
    restored.record(40, T0, Number.NaN);
    expect(restored.workShare).toBe(1); // an unreadable work time counts as the whole hold
    const instant = new ServiceRate();
    instant.record(0, T0, 0);
    expect(instant.workShare).toBe(1); // held for no time at all: no share to compute, the slot counts whole
  });

  it("uses a fallback only until something was measured", () => {
    const rate = new ServiceRate();
    expect(rate.measuredServiceMs).toBeNull();
    expect(rate.capacityPerSec(10)).toBeNull();
    expect(rate.predictedWaitMs(1, 1)).toBe(FALLBACK_SERVICE_MS);
  });

  it("derives Retry-After from the measured rate, within bounds", () => {
    const fast = new ServiceRate({ serviceMs: 20 });
    const slow = new ServiceRate({ serviceMs: 2000 });
    expect(fast.retryAfterMs(99, 10)).toBe(200);
    expect(slow.retryAfterMs(99, 10)).toBe(20_000);
    expect(fast.retryAfterMs(0, 100)).toBe(MIN_RETRY_AFTER_MS);
    expect(slow.retryAfterMs(10_000, 1)).toBe(MAX_RETRY_AFTER_MS);
  });

  it("measures completions per second and decays them when idle", () => {
    const rate = new ServiceRate();
    for (let s = 0; s < 10; s++) for (let i = 0; i < 50; i++) rate.record(10, T0 + s * 1000 + i * 10);
    const busy = rate.completionsPerSec(T0 + 10_000);
    expect(busy).toBeGreaterThan(40);
    expect(busy).toBeLessThanOrEqual(50);
    expect(rate.completionsPerSec(T0 + 30_000)).toBeLessThan(1);
  });
});
