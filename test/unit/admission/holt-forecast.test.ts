import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HoltForecast } from "../../../durable-objects/admission/holt-forecast";
import { T0 } from "./support";

/** Feeds `valueAt(seconds since T0)` at the given offsets (ms since T0). */
function feed(holt: HoltForecast, offsetsMs: readonly number[], valueAt: (sec: number) => number): number {
  let now = T0;
  for (const offset of offsetsMs) {
    now = T0 + offset;
    holt.observe(valueAt(offset / 1000), now);
  }
  return now;
}

const everySecond = (count: number): number[] => Array.from({ length: count }, (_, i) => i * 1000);
/** Gaps of 300 ms and 1.7 s alternating: irregular, one sample per second on average. */
const irregular = (count: number): number[] => Array.from({ length: count }, (_, i) => Math.floor(i / 2) * 2000 + (i % 2) * 300);

describe("HoltForecast", () => {
  it("forecasts 0 before any sample", () => {
    expect(new HoltForecast().forecast(5000, T0)).toBe(0);
  });

  it("forecasts a constant series as that constant, at any horizon", () => {
    const holt = new HoltForecast();
    const now = feed(holt, irregular(20), () => 250);
    for (const horizon of [0, 1000, 60_000]) expect(holt.forecast(horizon, now)).toBeCloseTo(250, 6);
  });

  it.each([
    ["every second", everySecond(12)],
    ["at irregular times", irregular(12)],
  ])("forecasts a linear ramp ahead of its last value (samples %s)", (_, offsets) => {
    const ramp = (sec: number): number => 100 + 50 * sec;
    const holt = new HoltForecast();
    const now = feed(holt, offsets, ramp);
    const last = ramp((now - T0) / 1000);
    const expected = ramp((now - T0 + 5000) / 1000);
    const forecast = holt.forecast(5000, now);
    expect(forecast).toBeGreaterThan(last);
    expect(Math.abs(forecast - expected)).toBeLessThan(0.05 * expected);
    expect(holt.trendPerSec).toBeGreaterThan(40);
  });

  it("converges to the new level after a step up", () => {
    const holt = new HoltForecast();
    const now = feed(holt, everySecond(40), (sec) => (sec < 10 ? 100 : 500));
    expect(holt.forecast(0, now)).toBeCloseTo(500, 0);
    expect(Math.abs(holt.forecast(10_000, now) - 500)).toBeLessThan(5);
  });

  it("never forecasts below zero after a step down, and settles at zero", () => {
    const holt = new HoltForecast();
    let now = feed(holt, everySecond(10), () => 800);
    for (let sec = 10; sec < 40; sec++) {
      now = T0 + sec * 1000;
      holt.observe(0, now);
      for (const horizon of [0, 1000, 10_000, 600_000]) expect(holt.forecast(horizon, now)).toBeGreaterThanOrEqual(0);
    }
    expect(holt.forecast(5000, now)).toBeLessThan(1);
  });

  it("weighs a sample by the time it covers: two half-interval samples move the level like one full one", () => {
    const once = new HoltForecast({ beta: 0 });
    const twice = new HoltForecast({ beta: 0 });
    for (const holt of [once, twice]) holt.observe(100, T0);
    once.observe(200, T0 + 1000);
    twice.observe(200, T0 + 500);
    twice.observe(200, T0 + 1000);
    expect(twice.forecast(0, T0 + 1000)).toBeCloseTo(once.forecast(0, T0 + 1000), 9);
    expect(once.forecast(0, T0 + 1000)).toBeCloseTo(150, 9);
  });

  it("does not invent a slope from samples a millisecond apart, and lets a sample after a long silence take over", () => {
    const holt = new HoltForecast();
    holt.observe(0, T0);
    holt.observe(100, T0 + 1);
    expect(holt.forecast(10_000, T0 + 1)).toBeLessThan(100);
    holt.observe(40, T0 + 120_000);
    expect(holt.forecast(0, T0 + 120_000)).toBeCloseTo(40, 3);
  });

  it("ignores samples that are not rates or carry no elapsed time", () => {
    const holt = new HoltForecast();
    holt.observe(100, T0);
    holt.observe(Number.NaN, T0 + 1000);
    holt.observe(-5, T0 + 1000);
    holt.observe(Number.POSITIVE_INFINITY, T0 + 1000);
    holt.observe(900, T0);
    holt.observe(900, T0 - 500);
    expect(holt.forecast(1000, T0)).toBe(100);
    expect(holt.lastObservedAt).toBe(T0);
  });

  it("restores from a snapshot and forecasts the same", () => {
    const holt = new HoltForecast();
    const now = feed(holt, everySecond(8), (sec) => 10 * sec);
    const restored = new HoltForecast({}, holt.snapshot());
    expect(restored.forecast(3000, now)).toBe(holt.forecast(3000, now));
    expect(new HoltForecast({}, { level: Number.NaN, trendPerSec: 0, lastAt: T0 }).forecast(0, T0)).toBe(0);
  });

  it("rejects smoothing factors that would ignore the gap's length", () => {
    expect(() => new HoltForecast({ alpha: 1 })).toThrow(RangeError);
    expect(() => new HoltForecast({ alpha: 0 })).toThrow(RangeError);
    expect(() => new HoltForecast({ beta: 1 })).toThrow(RangeError);
    expect(() => new HoltForecast({ intervalMs: 0 })).toThrow(RangeError);
  });

  it("keeps the forecast of a bounded series within a bound set by the data (property)", () => {
    // A stable Holt filter overshoots a bounded series by a fraction of its span and its trend stays
    // under one span per second. Loose on purpose, yet a filter that took the slope of two samples
    // 1 ms apart at face value (a thousand spans per second) fails it.
    const sample = fc.record({ value: fc.double({ min: 0, max: 1000, noNaN: true }), gapMs: fc.integer({ min: 0, max: 20_000 }) });
    fc.assert(
      fc.property(
        fc.array(sample, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 5000 }),
        (samples, horizonMs, lateMs) => {
          const holt = new HoltForecast();
          let now = T0;
          for (const { value, gapMs } of samples) {
            now += gapMs;
            holt.observe(value, now);
          }
          const values = samples.map((s) => s.value);
          const high = Math.max(...values);
          const span = high - Math.min(...values);
          const aheadSec = (lateMs + horizonMs) / 1000;
          const forecast = holt.forecast(horizonMs, now + lateMs);
          expect(forecast).toBeGreaterThanOrEqual(0);
          expect(forecast).toBeLessThanOrEqual(high + span * (1 + aheadSec) + 1e-9);
        },
      ),
      { numRuns: 500 },
    );
  });
});
