import { LogCollapsingLowestDenseDDSketch } from "@datadog/sketches-js";
import type { SketchWire } from "../../contracts/telemetry";

export type { SketchWire };

/**
 * Mergeable latency sketches: DDSketch (Masson, Rim & Lee, VLDB 2019) through
 * @datadog/sketches-js, with a logarithmic mapping at 1 % relative accuracy and a
 * collapsing-lowest dense store. Any reported quantile q is within 1 % of the exact value of
 * rank floor(q·(n−1)), as long as no bin was collapsed; collapsing folds the *smallest*
 * values together, so the tail quantiles we alert on keep their guarantee.
 *
 * The wire form is plain JSON (RPC structured clone and SQLite text alike). The library's
 * protobuf form is not used because it drops count/sum/min/max.
 */

export const RELATIVE_ACCURACY = 0.01;
/**
 * 1024 bins at γ = 1.0202 span a ratio of about 8·10^8 between the smallest and the largest
 * distinguishable value: 40 µs to 30 s in milliseconds without any collapse.
 */
export const BIN_LIMIT = 1024;

/**
 * Smaller values are recorded as 0 (in milliseconds: 2 µs, far below workerd's clock step).
 * With it, every tracked value up to 10^6 ms (17 min) fits in BIN_LIMIT bins, so no bin is
 * ever collapsed and merges are order-independent to the bin (a value of 1 ns next to a
 * long request once forced a collapse whose result depended on the merge order).
 */
export const MIN_TRACKED = 2e-3;

type Sketch = LogCollapsingLowestDenseDDSketch;

const newSketch = (): Sketch => new LogCollapsingLowestDenseDDSketch({ relativeAccuracy: RELATIVE_ACCURACY, binLimit: BIN_LIMIT });

export const emptySketch = (): SketchWire => ({ bins: [], count: 0, sum: 0, min: 0, max: 0 });

/**
 * A sketch being filled: values (`add`) and other sketches (`merge`). Kept as a live DDSketch
 * so a hot path never re-encodes; `toWire()` when it leaves the process.
 */
export class SketchBuilder {
  private readonly sketch = newSketch();

  /**
   * Durations only: negative values (a clock step) and values below MIN_TRACKED count as 0,
   * so a stray denormal cannot stretch the bins and force a collapse.
   */
  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.sketch.accept(value < MIN_TRACKED ? 0 : value);
  }

  merge(wire: SketchWire): void {
    if (wire.count <= 0) return;
    const s = this.sketch;
    // Adding each bin straight into the store is what DDSketch.merge does store-to-store,
    // without rebuilding a sketch per wire form.
    let binned = 0;
    for (const [key, count] of wire.bins) {
      if (count > 0) {
        s.store.add(key, count);
        binned += count;
      }
    }
    const wasEmpty = s.count === 0;
    s.zeroCount += Math.max(0, wire.count - binned);
    s.count += wire.count;
    s.sum += wire.sum;
    s.min = wasEmpty ? wire.min : Math.min(s.min, wire.min);
    s.max = wasEmpty ? wire.max : Math.max(s.max, wire.max);
  }

  get count(): number {
    return this.sketch.count;
  }

  toWire(): SketchWire {
    const s = this.sketch;
    const bins: Array<[number, number]> = [];
    const store = s.store;
    if (store.count > 0) {
      for (let key = store.minKey; key <= store.maxKey; key++) {
        const count = store.bins[key - store.offset] ?? 0;
        if (count > 0) bins.push([key, count]);
      }
    }
    if (s.count === 0) return emptySketch();
    return { bins, count: s.count, sum: s.sum, min: s.min, max: s.max };
  }

  /** NaN when empty. Clamped to the exact [min, max], which can only move it closer. */
  quantile(q: number): number {
    const s = this.sketch;
    if (s.count === 0) return Number.NaN;
    const v = s.getValueAtQuantile(Math.min(1, Math.max(0, q)));
    return Math.min(s.max, Math.max(s.min, v));
  }

  /** Estimated number of values above `threshold` (values in the threshold's own bin count as not above). */
  countAbove(threshold: number): number {
    const s = this.sketch;
    // Stryker disable next-line LogicalOperator: as `&&` the short cut is skipped for a non-empty sketch, but a threshold at or above the exact max maps to the max's bin or above it, so the scan counts 0 as well.
    if (s.count === 0 || threshold >= s.max) return 0;
    if (threshold < 0) return s.count;
    const store = s.store;
    if (store.count === 0) return 0;
    const limitKey = threshold > s.mapping.minPossible ? s.mapping.key(threshold) : Number.NEGATIVE_INFINITY;
    let above = 0;
    for (let key = store.minKey; key <= store.maxKey; key++) {
      if (key > limitKey) above += store.bins[key - store.offset] ?? 0;
    }
    return above;
  }
}

export function sketchOf(values: Iterable<number>): SketchWire {
  const b = new SketchBuilder();
  for (const v of values) b.add(v);
  return b.toWire();
}

export function mergeSketches(wires: Iterable<SketchWire>): SketchWire {
  const b = new SketchBuilder();
  for (const w of wires) b.merge(w);
  return b.toWire();
}

export function builderOf(wire: SketchWire): SketchBuilder {
  const b = new SketchBuilder();
  b.merge(wire);
  return b;
}

export const quantileOf = (wire: SketchWire, q: number): number => builderOf(wire).quantile(q);

/** The quantiles every report and exposition uses. */
export const QUANTILES = [0.5, 0.95, 0.99, 0.999] as const;
export type Quantile = (typeof QUANTILES)[number];

export interface QuantileSummary {
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
}

/** Quantiles of a sketch; null fields when empty (JSON has no NaN). */
export function summarize(wire: SketchWire): QuantileSummary | null {
  if (wire.count === 0) return null;
  const b = builderOf(wire);
  return {
    count: wire.count,
    sum: wire.sum,
    min: wire.min,
    max: wire.max,
    mean: wire.sum / wire.count,
    p50: b.quantile(0.5),
    p95: b.quantile(0.95),
    p99: b.quantile(0.99),
    p999: b.quantile(0.999),
  };
}
