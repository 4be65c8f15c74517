/**
 * D1 contention from the fleet's query latency, and the global D1 concurrency budget it
 * sets (DESIGN.md section 8). Pure: windows of (queries, summed ms) come in once per tick.
 *
 * Why latency: D1 runs one query at a time, so queries that overlap wait for one another and
 * the mean query time grows with the concurrency sent to it; the no-load baseline is what a
 * query costs alone. The ratio of the two (1 = none) says queries got slower.
 * Why also concurrency: a query can get slower without waiting for D1 (a busy CPU, a slow
 * network), and then fewer queries would not make it faster, only the fleet slower. The same
 * latencies, summed over a window and divided by its length, are the mean number of queries
 * in D1 at once (Little's law); above the threshold they are waiting for one another. The
 * budget is cut only when both say so. (Measured: on a loaded 2-core machine the ratio alone
 * stayed above 2 with one tenant and cut the budget to 1 slot, serving 11 % of capacity.)
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
  /**
   * Counted windows that must read contended before the budget is cut, at most one calm window
   * between two of them while the smoothed reading stays contended: a queue in D1 outlasts a
   * window, while a burst's first second (locally, before the Worker's lag meter has caught up
   * with a newly saturated thread) reads as one spike.
   */
  sustainTicks: number;
}

export const CONTENTION_DEFAULTS: ContentionOptions = { threshold: 2, alpha: 0.5, baselineDriftPerSec: 0.002, minQueries: 5, minBaselineMs: 0.05, sustainTicks: 2 };

export interface LatencyWindow {
  queries: number;
  totalMs: number;
  /** How long the window lasted, ms (for the concurrency); absent, one second. */
  elapsedMs?: number;
}

export interface ContentionSnapshot {
  baselineMs: number | null;
}

export class ContentionDetector {
  readonly options: ContentionOptions;
  private latency: number | null = null;
  private concurrency: number | null = null;
  private baseline: number | null;
  private baselineAt: number | null = null;
  /** Counted windows that each read contended on their own, at most one calm window between two of them. */
  private contendedStreak = 0;
  /** Calm windows since the last contended one (0 or 1 while a run lasts). */
  private calmWindows = 0;

  constructor(options: Partial<ContentionOptions> = {}, restored: ContentionSnapshot | null = null) {
    this.options = { ...CONTENTION_DEFAULTS, ...options };
    const b = restored?.baselineMs;
    this.baseline = typeof b === "number" && Number.isFinite(b) && b > 0 ? Math.max(b, this.options.minBaselineMs) : null;
  }

  /**
   * One tick's window of fleet queries. Returns whether it was large enough to count.
   *
   * A quieter window says too little about latency, but its queries in D1 at once still say
   * whether a queue is there: they replace the smoothed concurrency, and a window without a
   * queue ends any contended run (one with a queue neither ends nor extends it). Kept instead,
   * a contention reading outlived its load: an idle fleet's ticks went on cutting the budget
   * (to 1 slot, from nothing in flight), and the next tenant to arrive started there
   * (bench/README.md, "The quiet fleet's cut").
   */
  observe(window: LatencyWindow, now: number): boolean {
    if (!(Number.isFinite(window.totalMs) && window.totalMs >= 0)) return false;
    const elapsed = window.elapsedMs !== undefined && Number.isFinite(window.elapsedMs) && window.elapsedMs > 0 ? window.elapsedMs : 1000;
    const inD1 = window.totalMs / elapsed;
    if (!(window.queries >= this.options.minQueries)) {
      if (this.concurrency === null) return false;
      this.concurrency = inD1;
      if (!this.contended) {
        this.contendedStreak = 0;
        this.calmWindows = 0;
      }
      return false;
    }
    const mean = Math.max(window.totalMs / window.queries, this.options.minBaselineMs);
    this.latency = this.latency === null ? mean : this.options.alpha * mean + (1 - this.options.alpha) * this.latency;
    this.concurrency = this.concurrency === null ? inD1 : this.options.alpha * inD1 + (1 - this.options.alpha) * this.concurrency;
    if (this.baseline === null || this.baselineAt === null) {
      this.baseline = this.baseline === null ? mean : Math.min(this.baseline, mean);
    } else {
      const drifted = this.baseline * Math.pow(1 + this.options.baselineDriftPerSec, Math.max(0, now - this.baselineAt) / 1000);
      this.baseline = Math.min(drifted, mean);
    }
    this.baselineAt = now;
    // Each window on its own, not the smoothed values: a spike stays in those for a few windows.
    // One calm window between contended ones, while the smoothed values still read contended,
    // neither ends the run nor extends it (windows alternating under a standing queue add up);
    // a second calm one ends it, so a big spike that keeps the smoothed values up for several
    // windows cannot lend its count to a borderline window seconds later.
    const contendedNow = this.bothOver(mean / this.baseline, inD1);
    if (contendedNow) {
      this.contendedStreak++;
      this.calmWindows = 0;
    } else if (this.contended && this.calmWindows === 0) {
      this.calmWindows = 1;
    } else {
      this.contendedStreak = 0;
      this.calmWindows = 0;
    }
    return true;
  }

  /** Contended, and `sustainTicks` counted windows read contended on their own, at most one calm window apart: what a cut waits for. */
  get sustained(): boolean {
    return this.contended && this.contendedStreak >= this.options.sustainTicks;
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

  /** Smoothed mean number of fleet queries in D1 at once; null before the first counted window. */
  get concurrencyInD1(): number | null {
    return this.concurrency;
  }

  /** Queries are slower than alone by more than the threshold, and that many wait in D1 at once. */
  get contended(): boolean {
    const s = this.signal;
    const c = this.concurrency;
    return s !== null && c !== null && this.bothOver(s, c);
  }

  /** The contention rule: slower than alone by more than the threshold, and that many in D1 at once. */
  private bothOver(latencyRatio: number, inD1: number): boolean {
    return latencyRatio > this.options.threshold && inD1 > this.options.threshold;
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
  /** Mean fleet queries in D1 at once, null when unknown (then only the signal is read). */
  concurrency?: number | null;
  threshold: number;
  /** What the tenants want together (slots). */
  demand: number;
  /** Slots the fleet has in flight now; absent, min(budget, demand). */
  inflight?: number;
  /** Whether the contention has lasted long enough to cut (ContentionDetector.sustained); absent, it has. */
  sustained?: boolean;
  /** Tenants the governor remembers (heard from lately); absent, two or more. */
  contenders?: number;
}

/** Largest cut per tick: to a quarter of what was in use. */
const MIN_CUT_FACTOR = 0.25;

/**
 * The next budget, always a whole number in [1, max]:
 * - contended (the latency signal over the threshold and, when known, the queries in D1 at
 *   once too) but not yet `sustained`: hold;
 * - contended and sustained: cut in proportion to how far the concurrency (else the signal) is
 *   over the threshold, at most to a quarter per tick, starting from what is in flight, since
 *   cutting unused budget relieves nothing and a cut not yet in effect must not be cut again;
 * - one tenant or none remembered: as if not contended. There is no neighbour to protect, and
 *   the tenant's own adaptive limit already answers its own latency: a cut would answer that
 *   one signal twice (measured: a lone saturated reader cut from 50 slots to 4 and then 1, its
 *   limiter then learning its no-load RTT at one slot; bench/README.md);
 * - not contended: grow back toward `max`, at most doubling per tick, whether or not the
 *   tenants want more now. A ceiling above use costs little (cuts start from what is in
 *   flight; the caps let a tenant use the idle rest of the budget already), while a cut left
 *   standing after its contention ended holds the next burst at a few slots, and a tenant
 *   whose arrivals are refused before they queue never shows the demand that would grow it. Growth is not held while BudgetGuard judges a cut: holding it
 *   lost a third of the local benchmark's saturated read to false cuts (bench/README.md).
 */
export function nextBudget(input: BudgetInput): number {
  const max = Math.max(1, Math.floor(input.max));
  const budget = Math.min(max, Math.max(1, Math.floor(input.budget)));
  const demand = Number.isFinite(input.demand) ? Math.max(0, input.demand) : 0;
  const { signal, threshold } = input;
  const concurrency = input.concurrency ?? null;
  const waiting = concurrency === null || !Number.isFinite(concurrency) || concurrency > threshold;
  const neighbours = input.contenders === undefined || !(input.contenders < 2);
  if (signal !== null && Number.isFinite(signal) && signal > threshold && waiting && neighbours) {
    if (input.sustained === false) return budget;
    // From what is in flight, not from the budget: caps reach controllers up to a tick late, so
    // a cut not yet in effect would otherwise be cut again (it took 50 slots to 1 in 3 ticks).
    const running = input.inflight !== undefined && Number.isFinite(input.inflight) ? input.inflight : Math.min(budget, demand);
    const inUse = Math.max(1, Math.ceil(running));
    const excess = concurrency !== null && Number.isFinite(concurrency) ? concurrency : signal;
    const factor = Math.max(MIN_CUT_FACTOR, threshold / excess);
    return Math.max(1, Math.min(budget, Math.floor(inUse * factor)));
  }
  return Math.min(max, 2 * budget);
}

export interface GuardOptions {
  /** A cut that lost more than this fraction of the fleet's admitted rate is undone. */
  maxLoss: number;
  /** Ticks to wait after a cut before judging it (caps reach controllers with their next report). */
  judgeAfterTicks: number;
  /** Ticks without cuts after one was undone. */
  holdTicks: number;
}

export const GUARD_DEFAULTS: GuardOptions = { maxLoss: 0.1, judgeAfterTicks: 2, holdTicks: 10 };

/**
 * Work conservation for the budget: a cut is kept only if it did not cost throughput. Slower,
 * overlapping queries are the sign of a queue in D1, but where D1 shares a CPU with everything
 * else (locally, one workerd thread) they are also what a busy CPU looks like, and there fewer
 * slots only serve less. So each cut is judged `judgeAfterTicks` later: if the fleet's admitted
 * rate fell by more than `maxLoss`, the budget goes back to where it was and no cut is tried
 * for `holdTicks`. (Measured without it, on a loaded 2-core machine: one tenant alone at 2×
 * capacity was held at 1-2 slots and served 12 % of capacity.)
 */
export class BudgetGuard {
  private readonly options: GuardOptions;
  private pending: { from: number; rateBefore: number; ticks: number } | null = null;
  private holdLeft = 0;

  constructor(options: Partial<GuardOptions> = {}) {
    this.options = { ...GUARD_DEFAULTS, ...options };
  }

  /** Whether cuts may be tried now. */
  get cutsAllowed(): boolean {
    return this.holdLeft === 0 && this.pending === null;
  }

  /**
   * One tick: `proposed` is what nextBudget says, `rate` the fleet's admitted requests per
   * second now. Returns the budget to use.
   */
  step(budget: number, proposed: number, rate: number): number {
    if (this.holdLeft > 0) this.holdLeft--;
    const pending = this.pending;
    if (pending) {
      pending.ticks++;
      if (pending.ticks < this.options.judgeAfterTicks) return Math.max(budget, proposed);
      this.pending = null;
      if (Number.isFinite(rate) && rate < (1 - this.options.maxLoss) * pending.rateBefore) {
        this.holdLeft = this.options.holdTicks;
        return Math.max(pending.from, proposed);
      }
      return proposed;
    }
    if (proposed < budget) {
      if (this.holdLeft > 0) return budget;
      this.pending = { from: budget, rateBefore: Number.isFinite(rate) ? rate : 0, ticks: 0 };
    }
    return proposed;
  }
}
