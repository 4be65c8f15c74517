import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fadedLatency, observeLatency } from "../../../worker/admission/balancers/peak-ewma";
import { T0 } from "./support";

const decayMs = 10_000;

describe("peak-EWMA latency estimate", () => {
  it("starts at the first sample", () => {
    expect(observeLatency(undefined, 12, T0, decayMs)).toEqual({ latencyMs: 12, at: T0 });
  });

  it("jumps up to a slower sample at once, however recent the last one", () => {
    const fast = observeLatency(undefined, 10, T0, decayMs);
    expect(observeLatency(fast, 250, T0 + 1, decayMs).latencyMs).toBe(250);
  });

  it("moves towards a faster sample by the time since the previous one, with time constant decayMs", () => {
    const slow = observeLatency(undefined, 100, T0, decayMs);
    expect(observeLatency(slow, 10, T0, decayMs).latencyMs).toBe(100);
    expect(observeLatency(slow, 10, T0 + decayMs, decayMs).latencyMs).toBeCloseTo(10 + 90 / Math.E, 9);
    expect(observeLatency(slow, 10, T0 + 20 * decayMs, decayMs).latencyMs).toBeCloseTo(10, 6);
  });

  it("stays between the old estimate and a faster sample, and keeps a steady latency exactly", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e4, noNaN: true }), fc.double({ min: 0, max: 1e4, noNaN: true }), fc.integer({ min: 0, max: 1e6 }), (before, sample, gap) => {
        const next = observeLatency({ latencyMs: before, at: T0 }, sample, T0 + gap, decayMs).latencyMs;
        expect(next).toBeGreaterThanOrEqual(Math.min(before, sample) - 1e-9);
        expect(next).toBeLessThanOrEqual(Math.max(before, sample) + 1e-9);
        expect(observeLatency({ latencyMs: sample, at: T0 }, sample, T0 + gap, decayMs).latencyMs).toBeCloseTo(sample, 9);
      }),
    );
  });

  it("fades towards the neutral latency while no samples arrive", () => {
    const slow = { latencyMs: 100, at: T0 };
    expect(fadedLatency(slow, 10, T0, decayMs)).toBe(100);
    expect(fadedLatency(slow, 10, T0 + decayMs, decayMs)).toBeCloseTo(10 + 90 / Math.E, 9);
    expect(fadedLatency(slow, 10, T0 + 30 * decayMs, decayMs)).toBeCloseTo(10, 6);
    expect(fadedLatency({ latencyMs: 2, at: T0 }, 10, T0 + decayMs, decayMs)).toBeCloseTo(10 - 8 / Math.E, 9);
  });
});
