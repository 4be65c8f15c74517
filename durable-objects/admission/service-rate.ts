/**
 * Measured service: how long a granted request holds its slot (EWMA of grant-to-release
 * time, as the admission controller sees it), how much of that it spends working (the time
 * its Worker measured), and how many complete per second.
 *
 * Predicted wait uses the service time and the limit, not the measured completion rate:
 * with `slots` slots busy, one frees every serviceMs / slots on average, so the p-th waiter
 * waits about p * serviceMs / slots. The measured completion rate under light load says how
 * much work arrived, not how fast it could be served, so it would overestimate waits.
 */

export interface ServiceSnapshot {
  serviceMs: number | null;
}

/** Used until the first release is measured; only then do estimates become measurements. */
export const FALLBACK_SERVICE_MS = 100;
/** Bounds for Retry-After on queue_full / shed / deadline (the header is in whole seconds anyway). */
export const MIN_RETRY_AFTER_MS = 100;
export const MAX_RETRY_AFTER_MS = 60_000;

const SERVICE_WINDOW = 20;
const RATE_BUCKET_MS = 1000;
const RATE_ALPHA = 0.3;

export class ServiceRate {
  private serviceMs: number | null;
  /** EWMA of the work part of the same samples: a remote controller's slot is held across two trips on top. */
  private workMs: number | null = null;
  private bucketStart = 0;
  private bucketCount = 0;
  private ratePerSec = 0;

  constructor(snapshot?: ServiceSnapshot) {
    const restored = snapshot?.serviceMs;
    this.serviceMs = typeof restored === "number" && Number.isFinite(restored) && restored >= 0 ? restored : null;
  }

  /** A slot was held for `holdMs` (of which the request worked `workMs`) and freed at `now`. */
  record(holdMs: number, now: number, workMs: number = holdMs): void {
    if (Number.isFinite(holdMs) && holdMs >= 0) {
      this.serviceMs = ewma(this.serviceMs, holdMs);
      this.workMs = ewma(this.workMs, Number.isFinite(workMs) ? Math.min(Math.max(0, workMs), holdMs) : holdMs);
    }
    this.rollRate(now);
    this.bucketCount++;
  }

  /**
   * The share of a held slot's time spent working, in (0, 1]; 1 before any measurement.
   * Slots held across the round trip to a distant controller are busy for that controller's
   * limit but not for the backend: the load level reads in flight × this share.
   */
  get workShare(): number {
    if (this.serviceMs === null || this.workMs === null || !(this.serviceMs > 0)) return 1;
    return Math.min(1, Math.max(0.01, this.workMs / this.serviceMs));
  }

  /** The measured mean service time, or null before any release. */
  get measuredServiceMs(): number | null {
    return this.serviceMs;
  }

  /** Service time for predictions: measured, else the fallback. */
  get serviceMsOrFallback(): number {
    return this.serviceMs ?? FALLBACK_SERVICE_MS;
  }

  /** Completions per second the given number of slots sustains; null before any measurement. */
  capacityPerSec(slots: number): number | null {
    if (this.serviceMs === null) return null;
    return (Math.max(1, slots) * 1000) / Math.max(1, this.serviceMs);
  }

  /** Completions per second actually observed (EWMA over 1 s buckets, decayed across idle seconds). */
  completionsPerSec(now: number): number {
    this.rollRate(now);
    return this.ratePerSec;
  }

  /** Expected wait of the `position`-th waiter (1 = next to be served) with `slots` busy slots. */
  predictedWaitMs(position: number, slots: number): number {
    return (Math.max(0, position) * this.serviceMsOrFallback) / Math.max(1, slots);
  }

  /** Retry-After for a refused arrival: the time for the current queue (plus it) to drain. */
  retryAfterMs(queued: number, slots: number): number {
    const wait = this.predictedWaitMs(queued + 1, slots);
    return Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, wait)));
  }

  snapshot(): ServiceSnapshot {
    return { serviceMs: this.serviceMs };
  }

  private rollRate(now: number): void {
    if (this.bucketStart === 0) this.bucketStart = now;
    const elapsedBuckets = Math.floor((now - this.bucketStart) / RATE_BUCKET_MS);
    if (elapsedBuckets <= 0) return;
    // The closed bucket is one observation; the idle buckets after it count as zeros.
    this.ratePerSec += RATE_ALPHA * (this.bucketCount - this.ratePerSec);
    this.ratePerSec *= Math.pow(1 - RATE_ALPHA, elapsedBuckets - 1);
    this.bucketCount = 0;
    this.bucketStart += elapsedBuckets * RATE_BUCKET_MS;
  }
}

function ewma(current: number | null, sample: number): number {
  return current === null ? sample : current + (2 / (SERVICE_WINDOW + 1)) * (sample - current);
}
