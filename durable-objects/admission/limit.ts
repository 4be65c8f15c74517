import type { LimitAlgorithm } from "../contracts/admission";

/**
 * The adaptive concurrency limit, in the manner of Netflix concurrency-limits: a `Limit`
 * only answers "given this sample, what is the limit now?". Implementations are pure and
 * swappable by name (limit-factory.ts).
 */

export interface LimitSample {
  /** Latency of the admitted work, ms. Ignored when `dropped`. */
  rttMs: number;
  /** Requests in flight when this one was granted (the concurrency it was measured under). */
  inflight: number;
  /**
   * Requests that wanted a slot then, when more than `inflight` (an isolate's requests waiting
   * for room under its lease): read only by the app-limited test, never as the concurrency the
   * latency was measured under.
   */
  wanted?: number;
  /**
   * How many requests `rttMs` is the mean of (a lease renewal's or a shard's report; 1 when
   * absent). The limit moves once for it; a long-term average kept in requests moves as far as
   * that many samples would move it.
   */
  requests?: number;
  /** Timed out, failed with 5xx or was abandoned: a congestion signal, not a latency sample. */
  dropped: boolean;
  /**
   * False while the caller cannot lower its concurrency on demand (slots leased out to isolates
   * or shards stay held until their renewals): a limit that probes by lowering itself waits.
   */
  mayProbe?: boolean;
}

export interface LimitBounds {
  min: number;
  max: number;
}

export interface Gradient2Snapshot {
  algorithm: "gradient2";
  limit: number;
  shortRttMs: number | null;
  longRttMs: number | null;
  minRttMs: number | null;
}

export interface AimdSnapshot {
  algorithm: "aimd";
  limit: number;
}

export type LimitSnapshot = Gradient2Snapshot | AimdSnapshot;

export interface Limit {
  readonly algorithm: LimitAlgorithm;
  /** The integer limit admission uses, always within the bounds. */
  readonly current: number;
  /**
   * `current` without a no-load probe's temporary dip (Gradient2 lowers the limit to a quarter
   * for a few requests every 2000 saturated samples): what sizing decisions that outlive the
   * probe should read. Equal to `current` for a limit that never probes.
   */
  readonly settled: number;
  onSample(sample: LimitSample): number;
  /** New bounds apply at once; the learned value is clamped into them. */
  setBounds(bounds: LimitBounds): void;
  snapshot(): LimitSnapshot;
}

/** The slots a sample says were wanted, for the app-limited test: in flight, or more if more waited. */
export function slotsWanted(sample: LimitSample): number {
  return Math.max(sample.inflight, sample.wanted ?? 0);
}

/** A new tenant starts here (clamped to its bounds) and learns upward or downward. */
export const INITIAL_LIMIT = 20;

/**
 * Multiplicative decrease per dropped sample, scaled so that a whole round of drops (one per
 * slot, `limit` samples) multiplies the limit by `backoff`: a burst of timeouts halves it
 * instead of collapsing it to the minimum (TCP's "once per round trip"), and a lone 5xx
 * barely dents a large limit.
 */
export function decreaseForDrop(limit: number, backoff: number): number {
  return limit * Math.pow(backoff, 1 / Math.max(1, limit));
}

export function clampLimit(value: number, bounds: LimitBounds): number {
  return Math.min(bounds.max, Math.max(bounds.min, value));
}

export function assertValidBounds(bounds: LimitBounds): void {
  if (!Number.isInteger(bounds.min) || bounds.min < 1) throw new RangeError(`minConcurrency must be an integer >= 1, got ${bounds.min}`);
  if (!Number.isInteger(bounds.max) || bounds.max < bounds.min) throw new RangeError(`maxConcurrency must be an integer >= minConcurrency (${bounds.min}), got ${bounds.max}`);
}

/** The integer the admission check uses: whole slots only, never outside the bounds. */
export function wholeLimit(estimate: number, bounds: LimitBounds): number {
  return clampLimit(Math.floor(estimate + 1e-9), bounds);
}
