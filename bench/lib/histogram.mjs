// Latency recording. One HDR histogram per series, values in microseconds (integers, so
// sub-millisecond loopback latencies keep their resolution), 3 significant digits.
// The pure JS implementation is used: WASM would need async init and saves nothing at
// the few thousand records per second we produce.
import * as hdr from "hdr-histogram-js";

const HIGHEST_US = 120_000_000; // 2 minutes: far above any request timeout we allow

/** @returns {import("hdr-histogram-js").Histogram} */
export function newHistogram() {
  return hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/** Record a latency given in milliseconds (fractional allowed). */
export function recordMs(histogram, ms) {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

/**
 * @typedef {{count: number, min: number, mean: number, p50: number, p90: number, p95: number,
 *   p99: number, p999: number, max: number}} LatencySummary  all in milliseconds
 */

/** @returns {LatencySummary} */
export function summarize(histogram) {
  const n = histogram.totalCount;
  if (n === 0) return { count: 0, min: NaN, mean: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, p999: NaN, max: NaN };
  const at = (p) => histogram.getValueAtPercentile(p) / 1000;
  return {
    count: n,
    min: histogram.minNonZeroValue / 1000,
    mean: histogram.mean / 1000,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: histogram.maxValue / 1000,
  };
}

/** A fresh histogram holding the union of the given ones (HDR histograms merge exactly). */
export function merged(histograms) {
  const out = newHistogram();
  for (const h of histograms) out.add(h);
  return out;
}
