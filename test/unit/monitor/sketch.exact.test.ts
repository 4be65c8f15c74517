import { describe, expect, it } from "vitest";
import { builderOf, emptySketch, MIN_TRACKED, mergeSketches, quantileOf, sketchOf, SketchBuilder, summarize, type SketchWire } from "../../../durable-objects/monitor/windows/sketch";

describe("SketchBuilder.add", () => {
  it("ignores values that are not finite", () => {
    const b = new SketchBuilder();
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) b.add(v);
    expect(b.count).toBe(0);
    expect(b.toWire()).toEqual(emptySketch());
  });

  it("records negative and sub-threshold durations as zero, and the threshold itself as a value", () => {
    const w = sketchOf([-5, MIN_TRACKED / 2, MIN_TRACKED]);
    expect(w).toMatchObject({ count: 3, min: 0, max: MIN_TRACKED, sum: MIN_TRACKED });
    // Zeros live outside the bins: only the tracked value has one.
    expect(w.bins.reduce((n, [, c]) => n + c, 0)).toBe(1);
  });
});

describe("SketchBuilder.merge", () => {
  it("ignores an empty wire form and keeps its own min and max", () => {
    const b = builderOf(sketchOf([5, 7]));
    b.merge(emptySketch());
    b.merge({ bins: [], count: -1, sum: 0, min: -100, max: 100 });
    expect(b.toWire()).toMatchObject({ count: 2, min: 5, max: 7, sum: 12 });
  });

  it("takes the first wire's min and max as they are, then the smaller and the larger", () => {
    const b = new SketchBuilder();
    b.merge(sketchOf([50, 60]));
    expect(b.toWire()).toMatchObject({ min: 50, max: 60 });
    b.merge(sketchOf([10, 55]));
    b.merge(sketchOf([52, 90]));
    expect(b.toWire()).toMatchObject({ count: 6, min: 10, max: 90, sum: 317 });
  });

  it("counts values without a bin (zeros) as zeros, and skips empty bins", () => {
    const wire: SketchWire = { bins: [[100, 2], [101, 0]], count: 5, sum: 3, min: 0, max: 1.5 };
    const b = builderOf(wire);
    expect(b.count).toBe(5);
    // Three zeros and two values: the median is a zero.
    expect(b.quantile(0.5)).toBe(0);
    expect(b.toWire().bins).toEqual([[100, 2]]);
  });
});

describe("SketchBuilder.quantile", () => {
  // A function, not a value built at describe time: Stryker's per-test coverage does not see
  // code run while collecting tests (see traffic-stats.exact.test.ts).
  const b = () => builderOf(sketchOf([10, 20, 30, 40, 50]));

  it("clamps q into [0, 1]", () => {
    expect(b().quantile(-1)).toBe(b().quantile(0));
    expect(b().quantile(2)).toBe(b().quantile(1));
    expect(b().quantile(2)).toBeGreaterThan(b().quantile(0.5));
  });

  it("clamps the answer into the exact [min, max]: a lone value reads back exactly, whichever side of it its bin lies", () => {
    // 10's bin is represented by 10.07 and 11's by 10.91 (1 % accuracy): one is above, one below.
    expect(quantileOf(sketchOf([10]), 0.5)).toBe(10);
    expect(quantileOf(sketchOf([11]), 0.5)).toBe(11);
  });

  it("is NaN for an empty sketch", () => {
    expect(quantileOf(emptySketch(), 0.5)).toBeNaN();
  });
});

describe("SketchBuilder.countAbove", () => {
  // A function, not a value built at describe time: Stryker's per-test coverage does not see
  // code run while collecting tests (see traffic-stats.exact.test.ts).
  const b = () => builderOf(sketchOf([0, 0, 10, 20, 30]));

  it("counts nothing above the maximum or in an empty sketch", () => {
    expect(b().countAbove(30)).toBe(0);
    expect(b().countAbove(1000)).toBe(0);
    expect(new SketchBuilder().countAbove(-1)).toBe(0);
  });

  it("counts everything, zeros included, above a negative threshold", () => {
    expect(b().countAbove(-1)).toBe(5);
  });

  it("counts the binned values above zero or a tiny threshold, but not the zeros", () => {
    expect(b().countAbove(0)).toBe(3);
    expect(b().countAbove(MIN_TRACKED / 10)).toBe(3);
  });

  it("counts values above a threshold in another bin, not those in the threshold's bin", () => {
    expect(b().countAbove(15)).toBe(2);
    expect(b().countAbove(20)).toBe(1);
    expect(b().countAbove(9)).toBe(3);
  });

  it("counts a sketch of zeros alone as above a negative threshold and never above zero", () => {
    expect(builderOf(sketchOf([0, 0])).countAbove(-1)).toBe(2);
    expect(builderOf(sketchOf([0, 0])).countAbove(0)).toBe(0);
  });
});

describe("summarize and mergeSketches", () => {
  it("gives count, sum, min, max, mean and the four quantiles, and null for an empty sketch", () => {
    const s = summarize(sketchOf([10, 20, 30, 40]));
    expect(s).toMatchObject({ count: 4, sum: 100, min: 10, max: 40, mean: 25 });
    // Rank floor(q x 3): 20 for the median, 30 above it, each within 1 %.
    expect(s?.p50).toBeCloseTo(20, -0.7);
    for (const q of [s?.p95, s?.p99, s?.p999]) expect(Math.abs((q ?? 0) - 30) / 30).toBeLessThanOrEqual(0.01 + 1e-9);
    expect(summarize(emptySketch())).toBeNull();
  });

  it("merges nothing into an empty sketch", () => {
    expect(mergeSketches([])).toEqual(emptySketch());
    expect(mergeSketches([emptySketch(), emptySketch()])).toEqual(emptySketch());
  });
});
