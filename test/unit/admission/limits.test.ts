import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AimdLimit } from "../../../durable-objects/admission/aimd";
import { Gradient2Limit } from "../../../durable-objects/admission/gradient2";
import { decreaseForDrop, type Limit, type LimitBounds } from "../../../durable-objects/admission/limit";
import { createLimit } from "../../../durable-objects/admission/limit-factory";

const wide: LimitBounds = { min: 1, max: 1000 };

/** A server with `capacity` parallel workers: past it, latency grows with concurrency. */
function saturatedRtt(inflight: number, capacity: number, baseMs: number, i: number): number {
  const jitter = 0.9 + (0.2 * ((i * 7919) % 100)) / 100;
  return baseMs * Math.max(1, inflight / capacity) * jitter;
}

function run(limit: Limit, samples: number, rtt: (inflight: number, i: number) => number): number[] {
  const trace: number[] = [];
  for (let i = 0; i < samples; i++) {
    const inflight = limit.current;
    trace.push(limit.onSample({ rttMs: rtt(inflight, i), inflight, dropped: false }));
  }
  return trace;
}

const sampleArb = fc.record({
  rttMs: fc.oneof(fc.double({ min: 0, max: 10_000, noNaN: true }), fc.constantFrom(Number.NaN, -1, Number.POSITIVE_INFINITY)),
  inflight: fc.integer({ min: 0, max: 2000 }),
  dropped: fc.boolean(),
});
const boundsArb = fc.integer({ min: 1, max: 200 }).chain((min) => fc.integer({ min, max: min + 300 }).map((max) => ({ min, max })));

describe.each([
  ["gradient2", (b: LimitBounds) => new Gradient2Limit(b)],
  ["aimd", (b: LimitBounds) => new AimdLimit(b)],
] as const)("%s limit", (_name, make) => {
  it("stays an integer within [min, max] whatever the samples and bounds changes", () => {
    fc.assert(
      fc.property(boundsArb, fc.array(fc.oneof(sampleArb, boundsArb), { maxLength: 300 }), (bounds, events) => {
        const limit = make(bounds);
        let current = bounds;
        for (const event of events) {
          if ("min" in event) {
            limit.setBounds(event);
            current = event;
          } else {
            limit.onSample(event);
          }
          expect(Number.isInteger(limit.current)).toBe(true);
          expect(limit.current).toBeGreaterThanOrEqual(current.min);
          expect(limit.current).toBeLessThanOrEqual(current.max);
        }
      }),
    );
  });

  it("decreases on every dropped sample while above min", () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 100 }), fc.integer({ min: 0, max: 2000 }), (warmup, inflight) => {
        const limit = make(wide);
        for (const sample of warmup) limit.onSample(sample);
        const before = limit.snapshot().limit;
        limit.onSample({ rttMs: 5, inflight, dropped: true });
        const after = limit.snapshot().limit;
        if (before > wide.min) expect(after).toBeLessThan(before);
        else expect(after).toBe(wide.min);
      }),
    );
  });

  it("halves after a whole round of drops instead of collapsing", () => {
    const limit = make({ min: 1, max: 100 });
    run(limit, 5000, () => 10);
    const start = limit.snapshot().limit;
    const round = Math.round(start);
    for (let i = 0; i < round; i++) limit.onSample({ rttMs: 10, inflight: round, dropped: true });
    expect(limit.snapshot().limit).toBeGreaterThan(start * 0.3);
    expect(limit.snapshot().limit).toBeLessThan(start * 0.95);
  });

  it("does not grow on app-limited samples (fewer than half the slots in use)", () => {
    const limit = make(wide);
    const start = limit.current;
    for (let i = 0; i < 1000; i++) limit.onSample({ rttMs: 10, inflight: Math.floor(start / 2) - 1, dropped: false });
    expect(limit.current).toBe(start);
  });

  it("reads a sample's \`wanted\` in the app-limited test: few in flight but as many more waiting is not app-limited", () => {
    const limit = make(wide);
    const start = limit.current;
    for (let i = 0; i < 1000; i++) limit.onSample({ rttMs: 10, inflight: Math.floor(start / 2) - 1, wanted: start, dropped: false });
    expect(limit.current).toBeGreaterThan(start);
  });

  it("grows toward max while saturated and healthy", () => {
    const limit = make({ min: 1, max: 200 });
    run(limit, 20_000, () => 10);
    expect(limit.current).toBe(200);
  });

  it("restores from its snapshot and continues identically", () => {
    const a = make(wide);
    run(a, 700, (inflight, i) => saturatedRtt(inflight, 15, 10, i));
    const b = createLimit(a.algorithm, wide, a.snapshot());
    const feed = (limit: Limit) => run(limit, 50, (inflight, i) => saturatedRtt(inflight, 15, 10, i + 700));
    expect(feed(b)).toEqual(feed(a));
  });
});

describe("gradient2 specifics", () => {
  it("shrinks when latency rises past the tolerance", () => {
    const limit = new Gradient2Limit({ min: 1, max: 100 }, { initialLimit: 80 });
    run(limit, 200, () => 10);
    const before = limit.current;
    run(limit, 30, () => 40);
    expect(limit.current).toBeLessThan(before * 0.5);
  });

  it("does not feed dropped samples into the RTT averages", () => {
    const limit = new Gradient2Limit(wide);
    run(limit, 100, () => 10);
    const rtt = limit.rtt;
    for (let i = 0; i < 50; i++) limit.onSample({ rttMs: 30_000, inflight: 20, dropped: true });
    expect(limit.rtt).toEqual(rtt);
  });

  it("stays bounded under overload it causes itself (no ratchet), near tolerance x longCapRatio x capacity over a no-load RTT the slack does not reach", () => {
    for (const capacity of [10, 50]) {
      const limit = new Gradient2Limit(wide);
      run(limit, 30_000, (inflight, i) => saturatedRtt(inflight, capacity, 10, i));
      expect(limit.current).toBeLessThanOrEqual(3.2 * capacity);
      expect(limit.current).toBeGreaterThanOrEqual(capacity);
    }
  });

  it("over a sub-ms no-load RTT stays bounded by the latency it adds: within tolerance x (no-load RTT + latencySlackMs)", () => {
    for (const capacity of [10, 50]) {
      const limit = new Gradient2Limit(wide);
      run(limit, 30_000, (inflight, i) => saturatedRtt(inflight, capacity, 0.6, i));
      // 0.6 ms alone; the limit may queue a few ms of work, not unbounded concurrency.
      expect(limit.current).toBeGreaterThanOrEqual(capacity);
      expect(saturatedRtt(limit.current, capacity, 0.6, 0)).toBeLessThanOrEqual(1.5 * (0.6 + 4) * 1.2);
    }
  });

  it("accepts a genuinely slower baseline instead of pinning the limit at min (minRTT drift)", () => {
    // The ratio's mechanism alone: with latencySlackMs a 4 ms slack over a 40 ms baseline lets it grow back sooner.
    const limit = new Gradient2Limit(wide, { latencySlackMs: 0 });
    run(limit, 2000, () => 10);
    run(limit, 200, () => 40);
    expect(limit.current).toBeLessThan(10);
    run(limit, 3000, () => 40);
    expect(limit.current).toBeGreaterThan(500);
    // With the default slack it falls too, and climbs off its floor as soon as it reaches it.
    const slack = new Gradient2Limit(wide);
    run(slack, 2000, () => 10);
    const trace = run(slack, 400, () => 40);
    expect(Math.min(...trace)).toBeLessThan(10);
    expect(slack.current).toBeGreaterThan(100);
    expect(limit.rtt.minMs).toBeCloseTo(40, 0);
  });

  it("probes at a fraction of the limit and re-measures the no-load RTT", () => {
    const limit = new Gradient2Limit({ min: 1, max: 400 }, { initialLimit: 400, probeInterval: 100, probeSamples: 5 });
    const seen: number[] = [];
    run(limit, 150, (inflight) => {
      seen.push(inflight);
      return inflight <= 100 ? 10 : 12;
    });
    expect(Math.min(...seen)).toBeLessThanOrEqual(100);
    expect(limit.probing).toBe(false);
    expect(limit.rtt.minMs).toBe(10);
  });

  it("decays a stale long RTT quickly once the overload is over", () => {
    const limit = new Gradient2Limit(wide, { initialLimit: 10 });
    run(limit, 100, () => 10);
    run(limit, 3000, () => 18);
    const stale = limit.rtt.longMs ?? 0;
    expect(stale).toBeGreaterThan(15);
    run(limit, 60, () => 5);
    expect(limit.rtt.longMs).toBeLessThan(11);
  });
});

describe("aimd specifics", () => {
  it("adds one slot per round of successes", () => {
    const limit = new AimdLimit(wide, { initialLimit: 10 });
    for (let i = 0; i < 10; i++) limit.onSample({ rttMs: 1, inflight: 10, dropped: false });
    expect(limit.snapshot().limit).toBeCloseTo(11, 0);
  });
});

describe("createLimit", () => {
  it("picks the algorithm by name and carries the learned limit across a swap", () => {
    const gradient = createLimit("gradient2", wide);
    expect(gradient).toBeInstanceOf(Gradient2Limit);
    run(gradient, 3000, () => 10);
    const aimd = createLimit("aimd", wide, gradient.snapshot());
    expect(aimd).toBeInstanceOf(AimdLimit);
    expect(aimd.current).toBe(gradient.current);
  });

  it("scales the drop decrease so a round of drops cuts by about the backoff, not to the floor", () => {
    let value = 40;
    for (let i = 0; i < 40; i++) value = decreaseForDrop(value, 0.5);
    // The round shrinks with the limit, so 40 drops cut a bit more than half.
    expect(value).toBeGreaterThan(10);
    expect(value).toBeLessThan(20);
  });
});
