import { describe, expect, it } from "vitest";
import { Gradient2Limit } from "../../../durable-objects/admission/gradient2";
import type { Gradient2Snapshot, LimitSample } from "../../../durable-objects/admission/limit";

const bounds = { min: 1, max: 100 };
const sample = (rttMs: number, inflight: number): LimitSample => ({ rttMs, inflight, dropped: false });
const restored = (s: Omit<Gradient2Snapshot, "algorithm">): Gradient2Snapshot => ({ algorithm: "gradient2", ...s });

describe("Gradient2Limit averages", () => {
  it("seeds both averages with the first RTT, then moves the short one by 2 / (window + 1)", () => {
    const limit = new Gradient2Limit(bounds);
    limit.onSample(sample(10, 0));
    limit.onSample(sample(20, 0));
    expect(limit.rtt.shortMs).toBeCloseTo(10 + (2 / 11) * 10);
    expect(limit.rtt.longMs).toBeCloseTo(10 + (2 / 601) * 10);
    expect(limit.rtt.minMs).toBe(10);
  });

  it("lets one stall move the averages only as far as a sample at twice the tolerance (3×) times the long one: the limit does not fall for it, but does for a sustained rise", () => {
    const steady = () => new Gradient2Limit(bounds, { initialLimit: 40 }, restored({ limit: 40, shortRttMs: 4, longRttMs: 4, minRttMs: 3 }));
    const stalled = steady();
    stalled.onSample(sample(200, 40)); // a 200-ms stall among 4-ms requests
    expect(stalled.rtt.shortMs).toBeCloseTo(4 + (2 / 11) * (12 - 4));
    expect(stalled.rtt.longMs).toBeCloseTo(4 + (2 / 601) * (12 - 4));
    for (let i = 0; i < 20; i++) stalled.onSample(sample(4, 40));
    expect(stalled.current).toBeGreaterThanOrEqual(40);
    const risen = steady();
    for (let i = 0; i < 20; i++) risen.onSample(sample(40, 40));
    expect(risen.current).toBeLessThan(20);
  });

  it("moves the long average as far as a report's requests would, one by one, and the short one and the limit once", () => {
    const limit = new Gradient2Limit(bounds);
    limit.onSample(sample(10, 0));
    limit.onSample({ ...sample(20, 0), requests: 64 });
    expect(limit.rtt.longMs).toBeCloseTo(10 + (1 - Math.pow(1 - 2 / 601, 64)) * 10);
    expect(limit.rtt.shortMs).toBeCloseTo(10 + (2 / 11) * 10);
    // One quiet report (64 requests at a fifth of the usual) does not make the no-load RTT.
    const steady = new Gradient2Limit(bounds, { initialLimit: 40 }, restored({ limit: 40, shortRttMs: 4, longRttMs: 4, minRttMs: 3 }));
    steady.onSample({ ...sample(0.6, 40), requests: 64 });
    expect(steady.rtt.minMs).toBeGreaterThan(2.5);
    // Nonsense counts count as one request.
    for (const requests of [Number.NaN, 0, -3, 0.5]) {
      const other = new Gradient2Limit(bounds);
      other.onSample(sample(10, 0));
      other.onSample({ ...sample(20, 0), requests });
      expect(other.rtt.longMs).toBeCloseTo(10 + (2 / 601) * 10);
    }
  });

  it("a leased tenant whose latency settles higher under its load keeps its limit: the long average learns the new level from the requests its reports stand for", () => {
    // Reports of 64 requests each, the latency up from 3 ms idle to 5 ms under the tenant's own load
    // and staying there (1.67× the idle level, past the 1.5 tolerance).
    // Without the cap's absolute slack (its own test below): a 2 ms rise is inside it.
    const run = (requests: number | undefined, rttMs = 5) => {
      const limit = new Gradient2Limit(bounds, { initialLimit: 22, latencySlackMs: 0 }, restored({ limit: 22, shortRttMs: 3, longRttMs: 3, minRttMs: 2.8 }));
      for (let i = 0; i < 30; i++) limit.onSample({ ...sample(rttMs, 22), requests });
      return limit.current;
    };
    expect(run(64)).toBeGreaterThanOrEqual(22);
    expect(run(undefined)).toBeLessThan(20); // one sample per report: the idle level stays the baseline, the limit falls
    // Past the long average's cap (twice the no-load RTT) times the tolerance, a rise still cuts it.
    expect(run(64, 12)).toBeLessThan(10);
  });

  it("caps the long average at the no-load RTT plus latencySlackMs when that is higher than the ratio, and grows within it: a few ms of queueing over a sub-ms no-load RTT keep the limit, more still cut it", () => {
    // A read that costs 0.6 ms alone and 5 ms among sixteen others on a busy thread.
    const run = (rttMs: number, limitNow = 22, slack?: number, reports = 30) => {
      const limit = new Gradient2Limit(bounds, { initialLimit: limitNow, ...(slack === undefined ? {} : { latencySlackMs: slack }) }, restored({ limit: limitNow, shortRttMs: 0.6, longRttMs: 0.6, minRttMs: 0.6 }));
      for (let i = 0; i < reports; i++) limit.onSample({ ...sample(rttMs, limitNow), requests: 64 });
      return limit;
    };
    expect(run(5).current).toBeGreaterThanOrEqual(22);
    expect(run(5).rtt.longMs).toBeCloseTo(4.6);
    expect(run(5, 22, 0).current).toBeLessThan(5); // the ratio alone: 1.2 ms, and the reader held at a few slots
    expect(run(5, 22, undefined, 200).current).toBeGreaterThanOrEqual(22);
    expect(run(20).current).toBeLessThan(5); // past (0.6 + 4) × 1.5 a rise still cuts
    // One sample per request (no lease): the long average lags far behind, yet within the slack nothing is cut.
    const perRequest = new Gradient2Limit(bounds, { initialLimit: 22 }, restored({ limit: 22, shortRttMs: 0.6, longRttMs: 0.6, minRttMs: 0.6 }));
    for (let i = 0; i < 300; i++) perRequest.onSample(sample(5, 22));
    expect(perRequest.current).toBeGreaterThanOrEqual(22);
    // A slack that is not a number falls back to the default instead of poisoning the averages.
    const nonsense = new Gradient2Limit(bounds, { initialLimit: 22, latencySlackMs: Number.NaN }, restored({ limit: 22, shortRttMs: 0.6, longRttMs: 0.6, minRttMs: 0.6 }));
    for (let i = 0; i < 30; i++) nonsense.onSample({ ...sample(5, 22), requests: 64 });
    expect(nonsense.rtt.longMs).toBeCloseTo(4.6);
    expect(nonsense.current).toBeGreaterThanOrEqual(22);
    // Held low (a cut, a probe), the limit grows back while latency stays within the slack.
    const low = new Gradient2Limit(bounds, { initialLimit: 2 }, restored({ limit: 2, shortRttMs: 0.6, longRttMs: 0.6, minRttMs: 0.6 }));
    for (let i = 0; i < 50; i++) low.onSample({ ...sample(2.5, low.current), requests: 8 });
    expect(low.current).toBeGreaterThan(10);
  });

  it("ignores a negative or non-finite RTT, and floors a zero one at clock granularity", () => {
    const limit = new Gradient2Limit(bounds);
    limit.onSample(sample(-5, 0));
    limit.onSample(sample(Number.NaN, 0));
    expect(limit.rtt).toEqual({ shortMs: null, longMs: null, minMs: null });
    limit.onSample(sample(0, 0));
    expect(limit.rtt).toEqual({ shortMs: 0.1, longMs: 0.1, minMs: 0.1 });
  });

  it("caps the long average at longCapRatio × the no-load RTT; at exactly twice the short one it does not decay", () => {
    const limit = new Gradient2Limit(bounds, {}, restored({ limit: 20, shortRttMs: 10, longRttMs: 100, minRttMs: 10 }));
    limit.onSample(sample(10, 0));
    expect(limit.rtt.longMs).toBe(20);
  });

  it("decays the long average at once when a probe lifts the no-load RTT while the short one sits under half of it", () => {
    // shortWindow 1: the short average is the last RTT, so it can fall below half the long one.
    const limit = new Gradient2Limit(bounds, { shortWindow: 1, probeInterval: 1, probeSamples: 2 }, restored({ limit: 20, shortRttMs: 10, longRttMs: 20, minRttMs: 10 }));
    limit.onSample(sample(10, 20)); // saturated: starts a probe
    expect(limit.probing).toBe(true);
    limit.onSample(sample(100, 1));
    const longBefore = limit.rtt.longMs ?? 0;
    limit.onSample(sample(5, 1)); // completes the probe: no-load RTT = (100 + 5) / 2
    expect(limit.probing).toBe(false);
    expect(limit.rtt.minMs).toBe(52.5);
    expect(limit.rtt.longMs).toBeCloseTo((longBefore + (2 / 601) * (5 - longBefore)) * 0.95);
  });

  it("restores only finite positive RTTs from a snapshot", () => {
    const bad = new Gradient2Limit(bounds, {}, restored({ limit: 20, shortRttMs: 0, longRttMs: Number.POSITIVE_INFINITY, minRttMs: -1 }));
    expect(bad.rtt).toEqual({ shortMs: null, longMs: null, minMs: null });
    const nan = new Gradient2Limit(bounds, {}, restored({ limit: 20, shortRttMs: Number.NaN, longRttMs: null, minRttMs: 3 }));
    expect(nan.rtt).toEqual({ shortMs: null, longMs: null, minMs: 3 });
  });
});

describe("Gradient2Limit limit changes", () => {
  it("treats a sample with half the limit in flight as saturated, and one with fewer as app-limited", () => {
    const limit = new Gradient2Limit(bounds, { initialLimit: 20 });
    limit.onSample(sample(10, 9));
    expect(limit.snapshot().limit).toBe(20);
    limit.onSample(sample(10, 10));
    expect(limit.snapshot().limit).toBeGreaterThan(20);
  });

  it("refuses invalid bounds when built and when they change", () => {
    expect(() => new Gradient2Limit({ min: 0, max: 10 })).toThrow(/minConcurrency/);
    expect(() => new Gradient2Limit({ min: 1.5, max: 10 })).toThrow(/minConcurrency/);
    const limit = new Gradient2Limit(bounds);
    expect(() => limit.setBounds({ min: 5, max: 4 })).toThrow(/maxConcurrency/);
    expect(() => limit.setBounds({ min: 5, max: 9.5 })).toThrow(/maxConcurrency/);
    expect(limit.current).toBe(20);
  });
});

describe("Gradient2Limit no-load probes", () => {
  it("starts a probe on the probeInterval-th saturated sample at probeFraction of the limit, measuring only samples under it", () => {
    const limit = new Gradient2Limit(bounds, { initialLimit: 20, probeInterval: 3, probeSamples: 2 });
    limit.onSample(sample(10, 20));
    limit.onSample(sample(10, 20));
    expect(limit.probing).toBe(false);
    limit.onSample(sample(10, 20));
    expect(limit.probing).toBe(true);
    expect(limit.current).toBe(Math.floor(limit.snapshot().limit * 0.25));
    // The dip is the probe's, not the learned limit's: `settled` keeps the learned one.
    expect(limit.settled).toBe(Math.floor(limit.snapshot().limit));
    limit.onSample(sample(50, 30)); // above the probe's limit: not a no-load measurement
    limit.onSample(sample(12, 4));
    expect(limit.probing).toBe(true);
    limit.onSample(sample(14, 5));
    expect(limit.probing).toBe(false);
    expect(limit.rtt.minMs).toBe(13);
    expect(limit.current).toBe(Math.floor(limit.snapshot().limit));
  });

  it("at its lower bound takes the short RTT as the no-load RTT, up or down, so a slower world does not pin it there", () => {
    // The ratio's own mechanism (the slack, tested above, would let it grow back at once).
    const limit = new Gradient2Limit({ min: 2, max: 100 }, { initialLimit: 2, latencySlackMs: 0 });
    for (let i = 0; i < 200; i++) limit.onSample(sample(1, limit.current));
    expect(limit.current).toBeGreaterThan(2);
    // Everything slows tenfold (a busier shared thread, a slower D1): the limit falls to its bound...
    for (let i = 0; i < 300; i++) limit.onSample(sample(10, limit.current));
    expect(limit.current).toBe(2);
    expect(limit.rtt.minMs).toBeCloseTo(10, 0);
    // ...and grows again once the long average has caught up, instead of waiting for a probe 2 000 samples away.
    for (let i = 0; i < 1200; i++) limit.onSample(sample(10, limit.current));
    expect(limit.current).toBeGreaterThan(2);
  });

  it("never probes below the lower bound", () => {
    const limit = new Gradient2Limit({ min: 8, max: 100 }, { initialLimit: 20, probeInterval: 1 });
    limit.onSample(sample(10, 20));
    expect(limit.probing).toBe(true);
    expect(limit.current).toBe(8);
  });

  it("gives a probe up after max(50, 4 × limit) samples without a measurement, keeping the no-load RTT", () => {
    const limit = new Gradient2Limit({ min: 20, max: 20 }, { probeInterval: 2 });
    limit.onSample(sample(10, 30));
    limit.onSample(sample(10, 30)); // starts a probe at limit 20; 30 in flight is never under it
    expect(limit.probing).toBe(true);
    for (let i = 1; i < 80; i++) limit.onSample(sample(10, 30));
    expect(limit.probing).toBe(true);
    limit.onSample(sample(10, 30));
    expect(limit.probing).toBe(false);
    expect(limit.rtt.minMs).toBe(10);
  });
});
