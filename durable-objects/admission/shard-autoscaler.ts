/**
 * How many shard controllers K a tenant's root runs (DESIGN.md section 7, "Scaling"), from
 * the forecast demand: K doubles once the forecast has passed 70 % of K x target (and stayed
 * over it for `scaleUpAfterMs`), and halves only after it has stayed under 30 % of K x target
 * for 60 s. The gap
 * between the two thresholds is the hysteresis: right after a doubling demand sits at 35 %
 * of the new capacity and right after a halving under 60 %, so neither undoes the other.
 * Either way K may move several steps in one decision: a spike should not wait a second per
 * doubling, and a tenant gone quiet should not keep idle shards for a minute per halving. Each
 * halving still needs the forecast under 30 % of the K it halves, so the K it lands on is one
 * the demand does not immediately double again; retired shards drain and give their budget
 * back to the root in parallel.
 */

export const SCALE_UP_FRACTION = 0.7;
export const SCALE_DOWN_FRACTION = 0.3;
export const SCALE_DOWN_AFTER_MS = 60_000;
/** Halvings beyond the first need the forecast low for this long (every sample of it). */
export const SETTLED_MS = 10_000;
export const DEFAULT_MAX_SHARDS = 64;

/**
 * A root's plan waits this long over the threshold before doubling: a tenant's isolates send
 * every request to the controller until their first leases arrive (a second or so at a long
 * round trip), and sharding on that burst split the tenant's slots so thin that no shard could
 * lease any again.
 */
export const SCALE_UP_AFTER_MS = 2000;

export interface ShardAutoscalerOptions {
  /** Requests per second one controller is meant to serve (ADMISSION_CONTROLLER_TARGET_RPS). */
  targetRps: number;
  /** Upper bound on K, a power of two. */
  maxShards?: number;
  /** The forecast must stay over 70 % this long (every sample of it) before K doubles; 0: at once. */
  scaleUpAfterMs?: number;
}

export interface ShardAutoscalerSnapshot {
  shards: number;
  /** When the forecast went (and has stayed) under the scale-down threshold, or null. */
  quietSince: number | null;
}

export class ShardAutoscaler {
  private readonly targetRps: number;
  private readonly maxShards: number;
  private shardCount: number;
  private quietSince: number | null;
  private readonly scaleUpAfterMs: number;
  /** Since when every forecast has been over the scale-up threshold, or null. */
  private busySince: number | null = null;
  /** Forecasts of the last SETTLED_MS, [at, rps]: what the halvings after the first are judged on. */
  private recent: Array<[number, number]> = [];

  constructor(options: ShardAutoscalerOptions, snapshot: ShardAutoscalerSnapshot | null = null) {
    const { targetRps, maxShards = DEFAULT_MAX_SHARDS, scaleUpAfterMs = 0 } = options;
    this.scaleUpAfterMs = Math.max(0, scaleUpAfterMs);
    if (!(targetRps > 0 && Number.isFinite(targetRps))) throw new RangeError(`targetRps must be positive, got ${targetRps}`);
    if (!isPowerOfTwo(maxShards)) throw new RangeError(`maxShards must be a power of two, got ${maxShards}`);
    this.targetRps = targetRps;
    this.maxShards = maxShards;
    const restored = snapshot !== null && isPowerOfTwo(snapshot.shards) && snapshot.shards <= maxShards;
    this.shardCount = restored ? snapshot.shards : 1;
    this.quietSince = restored && Number.isFinite(snapshot.quietSince) ? snapshot.quietSince : null;
  }

  get shards(): number {
    return this.shardCount;
  }

  /**
   * Feeds the forecast demand (req/s) at `now` and returns the K to run from now on. A doubling
   * stops at `ceiling` (a power of two; what the tenant's current limit can split) as well as at
   * maxShards; a K already above it stays.
   */
  decide(forecastRps: number, now: number, ceiling = this.maxShards): number {
    if (!(forecastRps >= 0 && Number.isFinite(forecastRps))) throw new RangeError(`forecastRps must be a finite rate, got ${forecastRps}`);
    this.recent = this.recent.filter(([at]) => now - at < SETTLED_MS);
    this.recent.push([now, forecastRps]);
    if (forecastRps > this.capacity(SCALE_UP_FRACTION)) {
      this.busySince ??= now;
      // Over the threshold, but not for long enough yet: K holds, and so does a quiet timer's reset.
      if (now - this.busySince >= this.scaleUpAfterMs) {
        const most = Math.min(this.maxShards, ceiling);
        while (this.shardCount < most && forecastRps > this.capacity(SCALE_UP_FRACTION)) this.shardCount *= 2;
        this.busySince = null;
      }
      this.quietSince = null;
    } else if (forecastRps < this.capacity(SCALE_DOWN_FRACTION) && this.shardCount > 1) {
      this.busySince = null;
      if (this.quietSince === null) {
        this.quietSince = now;
      } else if (now - this.quietSince >= SCALE_DOWN_AFTER_MS) {
        // As many halvings as the last SETTLED_MS allow, each under 30 % of the K it halves (as a
        // spike doubles several times at once): judged on their highest forecast, not the last
        // one, so a dip at the 60 s mark does not take K below the demand. The first always
        // passes: those forecasts are part of the quiet minute, each under 30 % of K.
        const peak = Math.max(forecastRps, ...this.recent.map(([, f]) => f));
        while (this.shardCount > 1 && peak < this.capacity(SCALE_DOWN_FRACTION)) this.shardCount /= 2;
        // A further halving needs another 60 s under the new, lower threshold.
        this.quietSince = now;
      }
    } else {
      this.busySince = null;
      this.quietSince = null;
    }
    return this.shardCount;
  }

  snapshot(): ShardAutoscalerSnapshot {
    return { shards: this.shardCount, quietSince: this.quietSince };
  }

  private capacity(fraction: number): number {
    return fraction * this.shardCount * this.targetRps;
  }
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n));
}
