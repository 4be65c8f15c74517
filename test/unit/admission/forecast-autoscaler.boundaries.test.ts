import { describe, expect, it } from "vitest";
import { HoltForecast } from "../../../durable-objects/admission/holt-forecast";
import { ShardAutoscaler } from "../../../durable-objects/admission/shard-autoscaler";
import { T0 } from "./support";

describe("HoltForecast edges", () => {
  it("refuses weights outside their ranges and a non-positive interval, naming the option", () => {
    expect(() => new HoltForecast({ alpha: 1 })).toThrow("alpha must be in (0, 1), got 1");
    expect(() => new HoltForecast({ beta: -0.1 })).toThrow("beta must be in [0, 1), got -0.1");
    expect(() => new HoltForecast({ intervalMs: 0 })).toThrow("intervalMs must be positive, got 0");
    expect(() => new HoltForecast({ beta: 0 })).not.toThrow();
  });

  it("knows nothing before its first sample", () => {
    const holt = new HoltForecast();
    expect([holt.lastObservedAt, holt.trendPerSec, holt.snapshot(), holt.forecast(1000, T0)]).toEqual([null, 0, null, 0]);
  });

  it("restores a snapshot with a level of zero, and none with a negative or non-finite level", () => {
    expect(new HoltForecast({}, { level: 0, trendPerSec: 1, lastAt: T0 }).snapshot()).toEqual({ level: 0, trendPerSec: 1, lastAt: T0 });
    for (const level of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(new HoltForecast({}, { level, trendPerSec: 0, lastAt: T0 }).snapshot()).toBeNull();
  });

  it("forecasts from the last sample forward only: a clock before it or a negative horizon adds nothing", () => {
    const holt = new HoltForecast({}, { level: 10, trendPerSec: 2, lastAt: T0 });
    expect(holt.forecast(1000, T0)).toBe(12);
    expect(holt.forecast(0, T0 - 5000)).toBe(10);
    expect(holt.forecast(-1000, T0)).toBe(10);
    expect(holt.lastObservedAt).toBe(T0);
    expect(holt.trendPerSec).toBe(2);
  });
});

describe("ShardAutoscaler thresholds", () => {
  it("doubles only above 70 % of K × target, and counts quiet only below 30 %", () => {
    // A target of 1000 makes 70 % and 30 % exact in floating point.
    const scaler = new ShardAutoscaler({ targetRps: 1000 });
    expect(scaler.decide(700, T0)).toBe(1);
    expect(scaler.decide(700.5, T0)).toBe(2);
    expect(scaler.decide(600, T0)).toBe(2); // exactly 30 % of 2000: not quiet
    expect(scaler.snapshot().quietSince).toBeNull();
    expect(scaler.decide(599, T0 + 1)).toBe(2);
    // Several doublings in one decision stop at the first K whose 70 % is not exceeded.
    expect(new ShardAutoscaler({ targetRps: 1000 }).decide(1400, T0)).toBe(2);
    expect(scaler.snapshot().quietSince).toBe(T0 + 1);
  });

  it("restores a snapshot at the maximum K, and refuses a maximum that is not a power of two >= 1", () => {
    expect(new ShardAutoscaler({ targetRps: 100, maxShards: 4 }, { shards: 4, quietSince: null }).shards).toBe(4);
    expect(new ShardAutoscaler({ targetRps: 100, maxShards: 4 }, { shards: 8, quietSince: null }).shards).toBe(1);
    expect(() => new ShardAutoscaler({ targetRps: 100, maxShards: 0.5 })).toThrow("maxShards must be a power of two, got 0.5");
    expect(() => new ShardAutoscaler({ targetRps: 0 })).toThrow("targetRps must be positive, got 0");
    expect(() => new ShardAutoscaler({ targetRps: 1 }).decide(-1, T0)).toThrow("forecastRps must be a finite rate, got -1");
  });
});
