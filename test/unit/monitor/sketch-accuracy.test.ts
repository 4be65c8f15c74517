import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BIN_LIMIT, mergeSketches, quantileOf, RELATIVE_ACCURACY, sketchOf, SketchBuilder, type SketchWire } from "../../../durable-objects/monitor/windows/sketch";
import { exactQuantile, lognormal, pareto, rng } from "./support";

const N = 100_000;
const QS = [0.5, 0.95, 0.99, 0.999];
// The bound itself, plus floating-point slack on the last digits.
const BOUND = RELATIVE_ACCURACY + 1e-9;

const distributions: Record<string, (r: () => number) => number> = {
  "lognormal(mu=3, sigma=1.5) ms": (r) => lognormal(r, 3, 1.5),
  "pareto(scale=5 ms, shape=1.2)": (r) => pareto(r, 5, 1.2),
};

function samples(name: string, seed: number): number[] {
  const draw = distributions[name] as (r: () => number) => number;
  const r = rng(seed);
  return Array.from({ length: N }, () => draw(r));
}

function expectWithinBound(wire: SketchWire, sorted: number[]): void {
  for (const q of QS) {
    const exact = exactQuantile(sorted, q);
    const estimate = quantileOf(wire, q);
    expect(Math.abs(estimate - exact) / exact, `q=${q} exact=${exact} estimate=${estimate}`).toBeLessThanOrEqual(BOUND);
  }
}

describe("DDSketch wrapper: 1 % relative error on skewed latencies", () => {
  for (const name of Object.keys(distributions)) {
    const values = samples(name, 42);
    const sorted = [...values].sort((a, b) => a - b);

    it(`${name}: p50/p95/p99/p99.9 of 100 000 samples within 1 %`, () => {
      const wire = sketchOf(values);
      expect(wire.count).toBe(N);
      expect(wire.min).toBe(sorted[0]);
      expect(wire.max).toBe(sorted[N - 1]);
      expect(wire.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 3);
      expect(wire.bins.length).toBeLessThanOrEqual(BIN_LIMIT);
      expectWithinBound(wire, sorted);
    });

    it(`${name}: the same after merging 50 partial sketches in any order`, () => {
      const parts: SketchWire[] = [];
      for (let i = 0; i < 50; i++) parts.push(sketchOf(values.slice((i * N) / 50, ((i + 1) * N) / 50)));
      // The wire form is what crosses RPC and SQLite: merge what survived JSON.
      const wires = parts.map((p) => JSON.parse(JSON.stringify(p)) as SketchWire);
      fc.assert(
        fc.property(fc.shuffledSubarray(wires, { minLength: 50, maxLength: 50 }), (order) => {
          const merged = mergeSketches(order);
          expect(merged.count).toBe(N);
          expect(merged.min).toBe(sorted[0]);
          expect(merged.max).toBe(sorted[N - 1]);
          expectWithinBound(merged, sorted);
        }),
        { numRuns: 8, seed: 7 },
      );
    });
  }

  it("merging is order-independent to the bin (fast-check, small sets)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 40 }), { minLength: 1, maxLength: 8 }), (groups) => {
        const wires = groups.map((g) => sketchOf(g));
        const forward = mergeSketches(wires);
        const backward = mergeSketches([...wires].reverse());
        expect(backward.bins).toEqual(forward.bins);
        expect(backward.count).toBe(forward.count);
        expect(backward.min).toBe(forward.min);
        expect(backward.max).toBe(forward.max);
      }),
      { numRuns: 100 },
    );
  });

  it("keeps zeros (workerd's clock often measures 0 ms) and survives JSON", () => {
    const wire = JSON.parse(JSON.stringify(sketchOf([0, 0, 0, 10]))) as SketchWire;
    expect(wire.count).toBe(4);
    expect(quantileOf(wire, 0.5)).toBe(0);
    expect(quantileOf(wire, 1)).toBe(10);
  });

  it("an empty sketch is JSON-safe and has no quantile", () => {
    const b = new SketchBuilder();
    expect(JSON.parse(JSON.stringify(b.toWire()))).toEqual({ bins: [], count: 0, sum: 0, min: 0, max: 0 });
    expect(b.quantile(0.99)).toBeNaN();
  });

  it("countAbove undercounts by at most the threshold's own bin (2 % of the value wide)", () => {
    const b = new SketchBuilder();
    for (let i = 1; i <= 1000; i++) b.add(i);
    const above = b.countAbove(900);
    expect(above).toBeLessThanOrEqual(100);
    expect(above).toBeGreaterThanOrEqual(100 - Math.ceil(900 * 2 * RELATIVE_ACCURACY) - 1);
    expect(b.countAbove(5000)).toBe(0);
  });
});
