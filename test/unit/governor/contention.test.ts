import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BudgetGuard, ContentionDetector, nextBudget, type LatencyWindow } from "../../../durable-objects/governor/contention";

/** One tick's window: `queries` queries of `meanMs` each. */
const window = (meanMs: number, queries = 50): LatencyWindow => ({ queries, totalMs: meanMs * queries, elapsedMs: 1000 });

/**
 * Runs a synthetic fleet: each tick's mean query latency from `series`, the budget moved by
 * nextBudget with tenants wanting `demand` slots. Returns the budget and signal after each tick.
 */
function run(series: readonly number[], demand: number, max = 50): { budgets: number[]; signals: (number | null)[] } {
  const detector = new ContentionDetector();
  let budget = max;
  const budgets: number[] = [];
  const signals: (number | null)[] = [];
  series.forEach((meanMs, i) => {
    // As many queries as one at a time would fit at 1 ms: 1 query in D1 at the no-load latency.
    detector.observe(window(meanMs, 1000), i * 1000);
    budget = nextBudget({ budget, max, signal: detector.signal, concurrency: detector.concurrencyInD1, threshold: detector.options.threshold, demand, sustained: detector.sustained });
    budgets.push(budget);
    signals.push(detector.signal);
  });
  return { budgets, signals };
}

describe("ContentionDetector", () => {
  it("reads 1 at the no-load latency and the ratio over it under load", () => {
    const detector = new ContentionDetector();
    detector.observe(window(2, 500), 0);
    expect(detector.signal).toBe(1);
    expect(detector.concurrencyInD1).toBe(1);
    for (let t = 1; t <= 10; t++) detector.observe(window(10, 500), t * 1000);
    expect(detector.concurrencyInD1).toBeCloseTo(5, 2);
    // The baseline drifts up 0.2 % a second while every window is slower than it.
    expect(detector.baselineMs).toBeCloseTo(2 * 1.002 ** 10, 9);
    expect(detector.signal).toBeCloseTo(5 / 1.002 ** 10, 2);
    expect(detector.contended).toBe(true);
  });

  it("does not call slower queries contention while they do not overlap in D1 (a busy CPU, not a queue)", () => {
    const detector = new ContentionDetector();
    detector.observe(window(1, 100), 0);
    for (let t = 1; t <= 5; t++) detector.observe(window(8, 100), t * 1000);
    expect(detector.signal).toBeGreaterThan(7);
    expect(detector.concurrencyInD1).toBeLessThan(1);
    expect(detector.contended).toBe(false);
    expect(nextBudget({ budget: 50, max: 50, signal: detector.signal, concurrency: detector.concurrencyInD1, threshold: 2, demand: 1000 })).toBe(50);
  });

  it("ignores windows with too few queries, and malformed ones", () => {
    const detector = new ContentionDetector();
    expect(detector.observe({ queries: 4, totalMs: 400 }, 0)).toBe(false);
    expect(detector.observe({ queries: 10, totalMs: Number.NaN }, 0)).toBe(false);
    expect(detector.signal).toBeNull();
    detector.observe(window(1), 1000);
    detector.observe({ queries: 2, totalMs: 200 }, 2000);
    expect(detector.signal).toBe(1);
  });

  it("lets the baseline rise only slowly, so a slower D1 becomes the new normal in minutes", () => {
    const detector = new ContentionDetector();
    detector.observe(window(1), 0);
    detector.observe(window(3), 10_000);
    expect(detector.baselineMs).toBeCloseTo(1.002 ** 10, 6);
    for (let t = 2; t <= 700; t++) detector.observe(window(3), t * 1000);
    expect(detector.baselineMs).toBe(3);
    expect(detector.contended).toBe(false);
  });

  it("resumes from a stored baseline", () => {
    const detector = new ContentionDetector({}, { baselineMs: 2 });
    detector.observe(window(8), 0);
    expect(detector.signal).toBe(4);
  });

  it("smooths latency and D1 concurrency with weight alpha, each window's concurrency over its own length", () => {
    const detector = new ContentionDetector();
    expect(detector.latencyMs).toBeNull();
    expect(detector.observe({ queries: 10, totalMs: 20, elapsedMs: 5 }, 0)).toBe(true);
    expect(detector.latencyMs).toBe(2);
    expect(detector.concurrencyInD1).toBe(4);
    // No length, or one that is not a positive finite number: one second.
    expect(detector.observe({ queries: 10, totalMs: 100 }, 0)).toBe(true);
    expect(detector.latencyMs).toBe(6);
    expect(detector.concurrencyInD1).toBe(2.05);
    for (const elapsedMs of [0, -10, Number.POSITIVE_INFINITY, Number.NaN]) {
      const d = new ContentionDetector();
      d.observe({ queries: 10, totalMs: 500, elapsedMs }, 0);
      expect(d.concurrencyInD1).toBe(0.5);
    }
  });

  it("counts a window from minQueries on, with a total of 0 ms or more, and nothing else", () => {
    const detector = new ContentionDetector();
    expect(detector.observe({ queries: 5, totalMs: 0, elapsedMs: 1000 }, 0)).toBe(true);
    expect(detector.latencyMs).toBe(0.05);
    expect(detector.concurrencyInD1).toBe(0);
    expect(detector.observe({ queries: 10, totalMs: -1 }, 0)).toBe(false);
    expect(detector.observe({ queries: 10, totalMs: Number.POSITIVE_INFINITY }, 0)).toBe(false);
    expect(detector.latencyMs).toBe(0.05);
  });

  it("calls it contended only with both the signal and the concurrency strictly over the threshold", () => {
    // Restored baseline 1 ms and alpha 1: the signal is the window's mean, the concurrency its total over its length.
    const judged = (w: LatencyWindow): boolean => {
      const detector = new ContentionDetector({ alpha: 1 }, { baselineMs: 1 });
      detector.observe(w, 0);
      return detector.contended;
    };
    expect(judged({ queries: 10, totalMs: 30, elapsedMs: 10 })).toBe(true);
    // Signal 2, concurrency 4.
    expect(judged({ queries: 10, totalMs: 20, elapsedMs: 5 })).toBe(false);
    // Signal 3, concurrency 2.
    expect(judged({ queries: 10, totalMs: 30, elapsedMs: 15 })).toBe(false);
    // Signal 1, concurrency 10: many queries at once, none slower than alone.
    expect(judged({ queries: 10, totalMs: 10, elapsedMs: 1 })).toBe(false);
  });

  it("reads contention as sustained only after sustainTicks counted windows read contended (without smoothing: in a row)", () => {
    const detector = new ContentionDetector({ alpha: 1 }, { baselineMs: 1 });
    const contended: LatencyWindow = { queries: 10, totalMs: 30, elapsedMs: 10 };
    expect(detector.options.sustainTicks).toBe(2);
    detector.observe(contended, 0);
    expect([detector.contended, detector.sustained]).toEqual([true, false]);
    // A window too small to count, with a queue still in D1 (3 at once), neither breaks the run nor extends it.
    expect(detector.observe({ queries: 1, totalMs: 30, elapsedMs: 10 }, 500)).toBe(false);
    expect(detector.sustained).toBe(false);
    detector.observe(contended, 1000);
    expect(detector.sustained).toBe(true);
    // Without smoothing, one calm window clears the reading and ends the run: the next contended one starts it again.
    detector.observe({ queries: 10, totalMs: 10, elapsedMs: 1000 }, 2000);
    detector.observe(contended, 3000);
    expect([detector.contended, detector.sustained]).toEqual([true, false]);
  });

  it("adds up contended windows that alternate with calm ones while the smoothed reading stays contended", () => {
    const detector = new ContentionDetector({ alpha: 0.5 }, { baselineMs: 1 });
    // Each contended window: 6x the baseline, 6 queries in D1 at once; each calm one: 1x and 1.
    const contended: LatencyWindow = { queries: 10, totalMs: 60, elapsedMs: 10 };
    const calm: LatencyWindow = { queries: 10, totalMs: 10, elapsedMs: 10 };
    const sustained: boolean[] = [];
    [contended, calm, contended, calm, contended].forEach((w, i) => {
      detector.observe(w, i * 1000);
      expect(detector.contended).toBe(true);
      sustained.push(detector.sustained);
    });
    expect(sustained).toEqual([false, false, true, true, true]);
    // Calm windows until the smoothed reading clears end the run.
    while (detector.contended) detector.observe(calm, 10_000);
    detector.observe(contended, 11_000);
    expect(detector.sustained).toBe(false);
  });

  it("does not lend a big spike's count to a borderline window that follows it after two calm ones", () => {
    const detector = new ContentionDetector({ alpha: 0.5 }, { baselineMs: 1 });
    const calm: LatencyWindow = { queries: 10, totalMs: 10, elapsedMs: 10 };
    // 50x the baseline with 50 in D1: the smoothed reading stays contended for several windows.
    detector.observe({ queries: 10, totalMs: 500, elapsedMs: 10 }, 0);
    for (let t = 1; t <= 3; t++) {
      detector.observe(calm, t * 1000);
      expect(detector.contended).toBe(true);
    }
    // Just over the threshold on its own (3x, 3 in D1), and the smoothed reading still contended.
    detector.observe({ queries: 10, totalMs: 30, elapsedMs: 10 }, 4000);
    expect([detector.contended, detector.sustained]).toEqual([true, false]);
  });

  it("reads a window too quiet to count as the queue gone: its D1 concurrency replaces the smoothed one and the contended run ends", () => {
    const detector = new ContentionDetector();
    detector.observe(window(1, 1000), 0);
    for (let t = 1; t <= 3; t++) detector.observe(window(10, 1000), t * 1000);
    expect([detector.contended, detector.sustained]).toEqual([true, true]);
    const signal = detector.signal;
    // Three queries of 10 ms in a second: too few to say how slow a query is, enough to say D1 is idle.
    expect(detector.observe({ queries: 3, totalMs: 30, elapsedMs: 1000 }, 4000)).toBe(false);
    expect(detector.signal).toBe(signal);
    expect(detector.concurrencyInD1).toBe(0.03);
    expect([detector.contended, detector.sustained]).toEqual([false, false]);
    // An idle fleet's budget grows back instead of being cut from nothing in flight.
    expect(nextBudget({ budget: 5, max: 50, signal: detector.signal, concurrency: detector.concurrencyInD1, threshold: 2, demand: 0, inflight: 0, sustained: detector.sustained })).toBe(10);
    // A contended run starts again from its first window: one is a spike, not yet a queue.
    detector.observe(window(10, 1000), 5000);
    expect([detector.contended, detector.sustained]).toEqual([true, false]);
  });

  it("keeps an unknown concurrency unknown through quiet windows", () => {
    const detector = new ContentionDetector();
    detector.observe({ queries: 2, totalMs: 400 }, 0);
    expect(detector.concurrencyInD1).toBeNull();
  });

  it("restores only a positive finite baseline, not below minBaselineMs, and reads no signal before a window", () => {
    for (const baselineMs of [0, -1, Number.POSITIVE_INFINITY, Number.NaN]) expect(new ContentionDetector({}, { baselineMs }).baselineMs).toBeNull();
    expect(new ContentionDetector({}, { baselineMs: 0.001 }).baselineMs).toBe(0.05);
    const restored = new ContentionDetector({}, { baselineMs: 2 });
    expect(restored.snapshot()).toEqual({ baselineMs: 2 });
    expect(restored.signal).toBeNull();
    expect(restored.contended).toBe(false);
    // The first window after a restart: the stored baseline is not drifted (no time since it is known).
    restored.observe(window(8), 100_000);
    expect(restored.baselineMs).toBe(2);
    expect(restored.snapshot()).toEqual({ baselineMs: 2 });
  });

  it("keeps the baseline at or under every window mean it has counted (within its drift)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.1, max: 500, noNaN: true }), { minLength: 1, maxLength: 60 }), (means) => {
        const detector = new ContentionDetector();
        means.forEach((m, i) => detector.observe(window(m), i * 1000));
        const lowest = Math.min(...means);
        expect(detector.baselineMs).toBeLessThanOrEqual(lowest * 1.002 ** means.length + 1e-9);
        // The smoothed latency never falls below the lowest window, and the baseline never
        // rises above it by more than its drift: the signal reads 1 at most that drift low.
        expect(detector.signal).toBeGreaterThanOrEqual(1 / 1.002 ** means.length - 1e-9);
      }),
    );
  });
});

describe("nextBudget on synthetic latency series", () => {
  it("stays a whole number in [1, max] whatever the series, demand and ceiling", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 1000, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        (series, demand, max) => {
          for (const budget of run(series, demand, max).budgets) {
            expect(Number.isInteger(budget)).toBe(true);
            expect(budget).toBeGreaterThanOrEqual(1);
            expect(budget).toBeLessThanOrEqual(max);
          }
        },
      ),
    );
  });

  it("never cuts the budget while latency stays within ±20 % of its no-load value", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.8, max: 1.2, noNaN: true }), { minLength: 2, maxLength: 60 }), fc.double({ min: 0.5, max: 20, noNaN: true }), (noise, baseMs) => {
        const { budgets } = run(noise.map((n) => n * baseMs), 1000);
        expect(budgets.every((b) => b === 50)).toBe(true);
      }),
    );
  });

  it("cuts the budget within two ticks of a contention step, and grows it back to the ceiling after", () => {
    fc.assert(
      fc.property(fc.double({ min: 4, max: 50, noNaN: true }), fc.integer({ min: 3, max: 10 }), (factor, loadedTicks) => {
        const series = [...Array(5).fill(1), ...Array(loadedTicks).fill(factor), ...Array(40).fill(1)];
        const { budgets, signals } = run(series, 1000);
        expect(budgets[4]).toBe(50);
        expect(Math.min(budgets[5] ?? 50, budgets[6] ?? 50)).toBeLessThan(50);
        expect(signals[5]).toBeGreaterThan(2);
        expect(budgets[5 + loadedTicks - 1]).toBeLessThan(50);
        expect(budgets.at(-1)).toBe(50);
      }),
    );
  });

  it("never cuts for a one-tick spike, however high: a queue in D1 outlasts a window", () => {
    fc.assert(
      fc.property(fc.double({ min: 2.5, max: 1000, noNaN: true }), fc.integer({ min: 1, max: 20 }), (factor, at) => {
        const series = [...Array(at).fill(1), factor, ...Array(10).fill(1)];
        expect(run(series, 1000).budgets.every((b) => b === 50)).toBe(true);
      }),
    );
  });

  it("holds the budget, neither cut nor grown, while contention is not yet sustained", () => {
    const input = { budget: 20, max: 50, signal: 5, concurrency: 5, threshold: 2, demand: 100, inflight: 20 };
    expect(nextBudget({ ...input, sustained: false })).toBe(20);
    expect(nextBudget({ ...input, sustained: true })).toBeLessThan(20);
    expect(nextBudget(input)).toBe(nextBudget({ ...input, sustained: true }));
  });

  it("cuts from what was in use, in proportion to the excess, at most to a quarter per tick", () => {
    expect(nextBudget({ budget: 50, max: 50, signal: 4, threshold: 2, demand: 10 })).toBe(5);
    expect(nextBudget({ budget: 40, max: 50, signal: 3, threshold: 2, demand: 1000 })).toBe(26);
    expect(nextBudget({ budget: 40, max: 50, signal: 100, threshold: 2, demand: 1000 })).toBe(10);
    expect(nextBudget({ budget: 1, max: 50, signal: 100, threshold: 2, demand: 1000 })).toBe(1);
    // With the D1 concurrency known, it sets the cut, and none is made while it is under the threshold.
    expect(nextBudget({ budget: 40, max: 50, signal: 10, concurrency: 4, threshold: 2, demand: 1000 })).toBe(20);
    expect(nextBudget({ budget: 40, max: 50, signal: 10, concurrency: 1.5, threshold: 2, demand: 1000 })).toBe(50);
  });

  it("cuts only strictly over the threshold, and reads a concurrency or in-flight count that is not finite as unknown", () => {
    // At the threshold: no cut, and the budget grows for the demand.
    expect(nextBudget({ budget: 40, max: 50, signal: 2, threshold: 2, demand: 1000 })).toBe(50);
    expect(nextBudget({ budget: 40, max: 50, signal: 10, concurrency: 2, threshold: 2, demand: 1000 })).toBe(50);
    // An infinite signal is no reading at all.
    expect(nextBudget({ budget: 40, max: 50, signal: Number.POSITIVE_INFINITY, threshold: 2, demand: 1000 })).toBe(50);
    // A NaN concurrency: the signal alone decides and sets the cut (4 over 2: half of 40).
    expect(nextBudget({ budget: 40, max: 50, signal: 4, concurrency: Number.NaN, threshold: 2, demand: 1000 })).toBe(20);
    // A NaN in-flight count: the cut starts from min(budget, demand).
    expect(nextBudget({ budget: 40, max: 50, signal: 4, threshold: 2, demand: 30, inflight: Number.NaN })).toBe(15);
  });

  it("does not cut again a cut not yet in effect: the cut starts from what is in flight", () => {
    const first = nextBudget({ budget: 50, max: 50, signal: 10, concurrency: 20, threshold: 2, demand: 1000, inflight: 48 });
    expect(first).toBe(12);
    // A tick later the controllers still run 48 (their caps arrive with their next report): no second cut.
    expect(nextBudget({ budget: first, max: 50, signal: 10, concurrency: 20, threshold: 2, demand: 1000, inflight: 48 })).toBe(12);
    // Once they run 12 and D1 still has 8 at once, it is cut from there.
    expect(nextBudget({ budget: first, max: 50, signal: 10, concurrency: 8, threshold: 2, demand: 1000, inflight: 12 })).toBe(3);
  });

  it("grows back toward the ceiling without contention, at most doubling a tick, whether or not tenants want more", () => {
    expect(nextBudget({ budget: 8, max: 50, signal: 1.1, threshold: 2, demand: 20 })).toBe(16);
    expect(nextBudget({ budget: 8, max: 50, signal: null, threshold: 2, demand: 20 })).toBe(16);
    expect(nextBudget({ budget: 1, max: 50, signal: 1.1, threshold: 2, demand: 17 })).toBe(2);
    // Nobody wants more than a cut left standing: it grows back all the same.
    expect(nextBudget({ budget: 8, max: 50, signal: 1.1, threshold: 2, demand: 6 })).toBe(16);
    expect(nextBudget({ budget: 6, max: 50, signal: 24, concurrency: 0.28, threshold: 2, demand: 0 })).toBe(12);
    expect(nextBudget({ budget: 48, max: 50, signal: 1, threshold: 2, demand: 100 })).toBe(50);
    expect(nextBudget({ budget: 50, max: 50, signal: 1, threshold: 2, demand: 0 })).toBe(50);
    expect(nextBudget({ budget: 80, max: 50, signal: 1, threshold: 2, demand: 0 })).toBe(50);
  });
});

describe("BudgetGuard (work conservation)", () => {
  it("keeps a cut that did not cost throughput, and judges it only after the caps had time to arrive", () => {
    const guard = new BudgetGuard();
    expect(guard.step(40, 20, 100)).toBe(20);
    expect(guard.cutsAllowed).toBe(false);
    // A further cut proposed before the first is judged waits.
    expect(guard.step(20, 10, 95)).toBe(20);
    expect(guard.step(20, 20, 95)).toBe(20);
    expect(guard.cutsAllowed).toBe(true);
    expect(guard.step(20, 10, 95)).toBe(10);
  });

  it("keeps a cut that lost exactly maxLoss, and holds no cut open for a budget proposed unchanged", () => {
    const guard = new BudgetGuard();
    expect(guard.step(20, 20, 100)).toBe(20);
    expect(guard.cutsAllowed).toBe(true);
    expect(guard.step(20, 10, 100)).toBe(10);
    guard.step(10, 10, 90);
    expect(guard.step(10, 10, 90)).toBe(10);
    expect(guard.cutsAllowed).toBe(true);
  });

  it("undoes a cut after which the fleet served more than 10 % less, then holds cuts for 10 ticks; growth stays allowed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 100 }), fc.double({ min: 1, max: 1000, noNaN: true }), fc.double({ min: 0, max: 0.89, noNaN: true }), (from, rate, kept) => {
        const guard = new BudgetGuard();
        const cut = Math.max(1, Math.floor(from / 2));
        expect(guard.step(from, cut, rate)).toBe(cut);
        guard.step(cut, cut, rate * kept);
        expect(guard.step(cut, cut, rate * kept)).toBe(from);
        expect(guard.cutsAllowed).toBe(false);
        for (let i = 0; i < 9; i++) expect(guard.step(from, cut, rate)).toBe(from);
        expect(guard.step(from, from + 1, rate)).toBe(from + 1);
        expect(guard.step(from + 1, cut, rate)).toBe(cut);
      }),
    );
  });
});

describe("nextBudget and the tenants a cut may protect", () => {
  it("cuts a contended budget only with two or more tenants remembered (or when the caller does not say)", () => {
    const contended = { budget: 40, max: 50, signal: 10, concurrency: 4, threshold: 2, demand: 100, inflight: 40, sustained: true };
    expect(nextBudget({ ...contended, contenders: 0 })).toBe(50);
    expect(nextBudget({ ...contended, contenders: 1 })).toBe(50);
    expect(nextBudget({ ...contended, contenders: 2 })).toBe(20);
    expect(nextBudget({ ...contended, contenders: Number.NaN })).toBe(20);
    expect(nextBudget(contended)).toBe(20);
  });
});
