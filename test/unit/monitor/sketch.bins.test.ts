import { describe, expect, it } from "vitest";
import { BIN_LIMIT, SketchBuilder, sketchOf, type SketchWire } from "../../../durable-objects/monitor/windows/sketch";

// The wire form's bins: only occupied ones travel, empty ones received are ignored, and the
// store is capped at BIN_LIMIT bins (beyond that the smallest values collapse, by design).
const keyOf = (ms: number): number => (sketchOf([ms]).bins[0] as [number, number])[0];

describe("sketch bins", () => {
  it("sends only the bins that hold values, not the empty ones between them", () => {
    const wire = sketchOf([10, 20]);
    expect(wire.bins).toEqual([
      [keyOf(10), 1],
      [keyOf(20), 1],
    ]);
  });

  it("ignores a received bin with no count: it neither stretches nor collapses the store", () => {
    // A zero bin far above would stretch the store past BIN_LIMIT and fold the real bin upwards.
    const k = keyOf(0.01);
    const far = keyOf(1e12);
    expect(far - k).toBeGreaterThan(BIN_LIMIT);
    const wire: SketchWire = { bins: [[k, 2], [far, 0], [far + 1, -3]], count: 2, sum: 0.02, min: 0.01, max: 0.01 };
    const b = new SketchBuilder();
    b.merge(wire);
    expect(b.toWire()).toEqual({ bins: [[k, 2]], count: 2, sum: 0.02, min: 0.01, max: 0.01 });
  });

  it("keeps at most BIN_LIMIT bins: values spread wider collapse into the lowest kept bin", () => {
    const wire = sketchOf([0.002, 0.003, 1e9]);
    const keys = wire.bins.map(([key]) => key);
    const span = Math.max(...keys) - Math.min(...keys) + 1;
    expect(span).toBeLessThanOrEqual(BIN_LIMIT);
    // The two small values share the lowest kept bin; the count is intact.
    expect(wire.bins).toHaveLength(2);
    expect(wire.bins.reduce((n, [, c]) => n + c, 0)).toBe(3);
  });
});
