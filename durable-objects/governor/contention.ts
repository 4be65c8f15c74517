/**
 * D1 contention from the fleet's query latency, and the global D1 concurrency budget it
 * sets (DESIGN.md section 8). Pure: windows of (queries, summed ms) come in once per tick.
 *
 * Why latency: D1 runs one query at a time, so queries that overlap wait for one another and
 * the mean query time grows with the concurrency sent to it; the no-load baseline is what a
 * query costs alone. The ratio of the two is the queueing D1 adds (1 = none), the same
 * gradient Gradient2 uses per tenant, applied once for the whole fleet.
 */

export interface ContentionOptions {
  /** Latency over baseline above which the budget shrinks: up to one query waiting per query running is fine. */
  threshold: number;
  /** Weight of a new window in the smoothed latency. */
  alpha: number;
  /** How fast the baseline may rise per second (it falls at once): a slower D1 becomes the new normal in minutes, not seconds. */
  baselineDriftPerSec: number;
  /** A window with fewer queries says too little to move anything. */
  minQueries: number;
  /** Floor of the baseline, ms, so a near-zero reading cannot make every later one look contended. */
  minBaselineMs: number;
}

export const CONTENTION_DEFAULTS: ContentionOptions = { threshold: 2, alpha: 0.5, baselineDriftPerSec: 0.002, minQueries: 5, minBaselineMs: 0.05 };

export interface LatencyWindow {
  queries: number;
  totalMs: number;
}

export interface ContentionSnapshot {
  baselineMs: number | null;
}

export class ContentionDetector {
  readonly options: ContentionOptions;
  private latency: number | null = null;
  private baseline: number | null;
  private baselineAt: number | null = null;

  constructor(options: Partial<ContentionOptions> = {}, restored: ContentionSnapshot | null = null) {
    this.options = { ...CONTENTION_DEFAULTS, ...options };
    const b = restored?.baselineMs;
    this.baseline = typeof b === "number" && Number.isFinite(b) && b > 0 ? Math.max(b, this.options.minBaselineMs) : null;
  }

  /** One tick's window of fleet queries. Returns whether it was large enough to count. */
  observe(window: LatencyWindow, now: number): boolean {
    if (!(window.queries >= this.options.minQueries) || !(Number.isFinite(window.totalMs) && window.totalMs >= 0)) return false;
    const mean = Math.max(window.totalMs / window.queries, this.options.minBaselineMs);
    this.latency = this.latency === null ? mean : this.options.alpha * mean + (1 - this.options.alpha) * this.latency;
    if (this.baseline === null || this.baselineAt === null) {
      this.baseline = this.baseline === null ? mean : Math.min(this.baseline, mean);
    } else {
      const drifted = this.baseline * Math.pow(1 + this.options.baselineDriftPerSec, Math.max(0, now - this.baselineAt) / 1000);
      this.baseline = Math.min(drifted, mean);
    }
    this.baselineAt = now;
    return true;
  }

  /** Smoothed latency over baseline; null before the first counted window. */
  get signal(): number | null {
    return this.latency === null || this.baseline === null ? null : this.latency / this.baseline;
  }

  get latencyMs(): number | null {
    return this.latency;
  }

  get baselineMs(): number | null {
    return this.baseline;
  }

  get contended(): boolean {
    const s = this.signal;
    return s !== null && s > this.options.threshold;
  }

  snapshot(): ContentionSnapshot {
    return { baselineMs: this.baseline };
  }
}

export interface BudgetInput {
  budget: number;
  /** DB_MAX_CONNECTIONS. */
  max: number;
  /** Contention signal (latency over baseline), null when unknown. */
  signal: number | null;
  threshold: number;
  /** What the tenants want together (slots). */
  demand: number;
}

/** Largest cut per tick (a quarter of what was in use), and growth per tick while tenants want more. */
const MIN_CUT_FACTOR = 0.25;
const GROWTH_FRACTION = 0.25;

/**
 * The next budget, always a whole number in [1, max]:
 * - contended: cut in proportion to how far the signal is over the threshold (at most to a
 *   quarter per tick), starting from what was in use, since cutting unused budget relieves nothing;
 * - not contended while tenants want more than the budget: grow by a quarter (at least 1);
 * - otherwise hold (no growth while the budget is not what limits anyone).
 */
export function nextBudget(input: BudgetInput): number {
  const max = Math.max(1, Math.floor(input.max));
  const budget = Math.min(max, Math.max(1, Math.floor(input.budget)));
  const demand = Number.isFinite(input.demand) ? Math.max(0, input.demand) : 0;
  const { signal, threshold } = input;
  if (signal !== null && Number.isFinite(signal) && signal > threshold) {
    const inUse = Math.min(budget, Math.max(1, Math.ceil(demand)));
    const factor = Math.max(MIN_CUT_FACTOR, threshold / signal);
    return Math.max(1, Math.min(budget, Math.floor(inUse * factor)));
  }
  if (demand > budget) return Math.min(max, budget + Math.max(1, Math.ceil(budget * GROWTH_FRACTION)));
  return budget;
}
