// Pure pieces of the open-model generator: when each request is meant to leave, and which
// mix entry it is. No I/O and no Node APIs, so it is unit-tested in plain vitest and type
// checked with the project's strict tsconfig; Node 22 runs it by stripping the types.

/** Number of sends planned for a constant-rate run (the last one leaves before `durationMs`). */
export function plannedSends(ratePerSec: number, durationMs: number): number {
  if (!(ratePerSec > 0) || !(durationMs > 0)) return 0;
  return Math.max(1, Math.ceil((ratePerSec * durationMs) / 1000));
}

/**
 * The intended send time of request `index` (0-based): a fixed grid, so a slow response can
 * never push later requests back. Latency is measured from this instant, as wrk2 does, so
 * time a request spent waiting for the client to get round to it is charged to the server
 * rather than silently dropped (coordinated omission).
 */
export function intendedSendMs(startMs: number, ratePerSec: number, index: number): number {
  return startMs + (index * 1000) / ratePerSec;
}

/** How many sends (indices 0..n-1) are due at `nowMs`, capped at `total`. */
export function sendsDueBy(startMs: number, ratePerSec: number, nowMs: number, total: number): number {
  if (nowMs < startMs) return 0;
  return Math.min(total, Math.floor(((nowMs - startMs) * ratePerSec) / 1000) + 1);
}

/**
 * Smooth weighted round robin (nginx's upstream algorithm): a deterministic interleaving in
 * which every window of sum(weights) picks holds each entry exactly `weight` times, spread
 * evenly. A seeded random pick would also do, but exact proportions make short --quick runs
 * comparable between admission off and on.
 */
export class WeightedPicker {
  private readonly weights: number[];
  private readonly current: number[];
  private readonly total: number;

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new Error("a request mix needs at least one entry");
    for (const w of weights) if (!(Number.isInteger(w) && w > 0)) throw new Error(`mix weights must be positive integers, got ${w}`);
    this.weights = [...weights];
    this.current = weights.map(() => 0);
    this.total = weights.reduce((a, b) => a + b, 0);
  }

  next(): number {
    let best = 0;
    for (let i = 0; i < this.weights.length; i++) {
      this.current[i]! += this.weights[i]!;
      if (this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= this.total;
    return best;
  }
}
