/**
 * A shard's latency estimate, "peak EWMA" as in Finagle's and Linkerd's balancers: a sample
 * slower than the estimate replaces it at once, so one slow answer counts immediately, while
 * faster samples pull it down with time constant `decayMs` (weighted by the time since the
 * previous sample, not by the sample count, since calls arrive unevenly).
 */
export interface LatencyEstimate {
  readonly latencyMs: number;
  /** When the last sample was taken. */
  readonly at: number;
}

export function observeLatency(previous: LatencyEstimate | undefined, sampleMs: number, now: number, decayMs: number): LatencyEstimate {
  if (previous === undefined || sampleMs >= previous.latencyMs) return { latencyMs: sampleMs, at: now };
  const keep = Math.exp(-Math.max(now - previous.at, 0) / decayMs);
  return { latencyMs: previous.latencyMs * keep + sampleMs * (1 - keep), at: now };
}

/**
 * The estimate as of `now`: without new samples it fades towards `neutralMs` (what an unknown
 * shard is assumed to cost) with the same time constant. Without that, a shard that was slow
 * once would never be picked again and so never be seen to recover; with it, an idle shard is
 * probed about once per few `decayMs`, and a probe that is still slow restores its estimate.
 */
export function fadedLatency(estimate: LatencyEstimate, neutralMs: number, now: number, decayMs: number): number {
  const keep = Math.exp(-Math.max(now - estimate.at, 0) / decayMs);
  return neutralMs + (estimate.latencyMs - neutralMs) * keep;
}
