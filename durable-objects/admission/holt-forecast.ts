/**
 * Holt's linear trend (double exponential smoothing, Holt 1957) for a rate such as req/s,
 * sampled at irregular times. The trend is kept in units per second.
 *
 * Irregular intervals: `alpha` and `beta` are the weights of one sample after `intervalMs`
 * (the nominal report interval). A sample that covers a gap of Δ gets the weight
 * 1 - (1 - alpha)^(Δ / intervalMs), so two half-interval samples move the level as much as
 * one full-interval sample, a long silence lets the next sample take over, and a sample at
 * the same instant as the previous one carries no weight. Growing the weight with Δ (rather
 * than seeding the trend from the first two samples) keeps a burst of reports a
 * millisecond apart from inventing a huge slope.
 */

export interface HoltOptions {
  /** Level weight of a sample one interval after the previous one, in (0, 1). */
  alpha: number;
  /** Trend weight of a sample one interval after the previous one, in [0, 1); 0 means no trend. */
  beta: number;
  /** The interval the weights are stated for, ms. */
  intervalMs: number;
}

export const HOLT_DEFAULTS: HoltOptions = { alpha: 0.5, beta: 0.3, intervalMs: 1000 };

export interface HoltSnapshot {
  level: number;
  trendPerSec: number;
  lastAt: number;
}

export class HoltForecast {
  private readonly options: HoltOptions;
  private state: HoltSnapshot | null;

  constructor(options: Partial<HoltOptions> = {}, snapshot: HoltSnapshot | null = null) {
    this.options = { ...HOLT_DEFAULTS, ...options };
    const { alpha, beta, intervalMs } = this.options;
    // A weight of 1 would ignore the gap's length: a sample 1 ms after the last could set the level or trend alone.
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
    if (!(beta >= 0 && beta < 1)) throw new RangeError(`beta must be in [0, 1), got ${beta}`);
    if (!(intervalMs > 0 && Number.isFinite(intervalMs))) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
    this.state = snapshot && isUsable(snapshot) ? { ...snapshot } : null;
  }

  /** Feeds the rate measured over the time up to `now`. Non-finite or negative values are not rates and are ignored. */
  observe(value: number, now: number): void {
    if (!Number.isFinite(value) || value < 0 || !Number.isFinite(now)) return;
    const state = this.state;
    if (state === null) {
      this.state = { level: value, trendPerSec: 0, lastAt: now };
      return;
    }
    const elapsedMs = now - state.lastAt;
    if (elapsedMs <= 0) return;
    const alpha = this.weight(this.options.alpha, elapsedMs);
    const beta = this.weight(this.options.beta, elapsedMs);
    const elapsedSec = elapsedMs / 1000;
    const predicted = state.level + state.trendPerSec * elapsedSec;
    // A rate is never negative; a negative level would only delay the response when demand returns.
    const level = Math.max(0, alpha * value + (1 - alpha) * predicted);
    const trendPerSec = beta * ((level - state.level) / elapsedSec) + (1 - beta) * state.trendPerSec;
    this.state = { level, trendPerSec, lastAt: now };
  }

  /** The rate expected `horizonMs` after `now` (0 before any sample, never negative). */
  forecast(horizonMs: number, now: number): number {
    const state = this.state;
    if (state === null) return 0;
    const aheadSec = (Math.max(0, now - state.lastAt) + Math.max(0, horizonMs)) / 1000;
    return Math.max(0, state.level + state.trendPerSec * aheadSec);
  }

  /** When the last sample arrived, so callers can tell a stale forecast (null before any). */
  get lastObservedAt(): number | null {
    return this.state?.lastAt ?? null;
  }

  get trendPerSec(): number {
    return this.state?.trendPerSec ?? 0;
  }

  snapshot(): HoltSnapshot | null {
    return this.state === null ? null : { ...this.state };
  }

  private weight(perInterval: number, elapsedMs: number): number {
    return 1 - Math.pow(1 - perInterval, elapsedMs / this.options.intervalMs);
  }
}

function isUsable(snapshot: HoltSnapshot): boolean {
  return Number.isFinite(snapshot.level) && snapshot.level >= 0 && Number.isFinite(snapshot.trendPerSec) && Number.isFinite(snapshot.lastAt);
}
