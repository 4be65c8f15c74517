import { LRUCache } from "lru-cache";

/**
 * Whether a cached read should ask D1 for the data version first (one small query) or go
 * straight to the value-and-version batch. A current entry saves the value's query; a stale
 * one costs a round trip more than no cache at all, which is every read of a tenant that
 * writes between its reads. So per key (a tenant) an exponentially weighted rate of entries
 * found current decides, and below `minHitRate` the check is skipped. The batch's version still
 * says whether the entry would have been current, so the rate keeps learning while skipping and
 * the check comes back when the writes stop. Pure: no Workers API.
 */
export interface VersionCheckOptions {
  /** Below this rate of current entries the version check is skipped. */
  minHitRate: number;
  /** Weight of the newest observation in the rate. */
  weight: number;
  /** Keys remembered (least recently used ones are forgotten, and start again as worth checking). */
  maxKeys: number;
}

/**
 * Half: at that rate the check averages 1.5 round trips a read against 1 without it, and it
 * still spares the database the value's query on every other read (a list page or a stats scan
 * against a primary-key lookup), which is what counts when D1 is the shared bottleneck.
 */
export const DEFAULT_VERSION_CHECK: VersionCheckOptions = { minHitRate: 0.5, weight: 0.1, maxKeys: 10_000 };

/** What one read needs: the policy bound to its key. */
export interface VersionCheck {
  worthChecking(): boolean;
  /** Whether the cached entry was (or, read past, would have been) current. */
  record(current: boolean): void;
}

export class VersionCheckPolicy {
  private readonly rates: LRUCache<string, { rate: number }>;

  constructor(private readonly options: VersionCheckOptions = DEFAULT_VERSION_CHECK) {
    if (!(options.minHitRate >= 0 && options.minHitRate <= 1)) throw new RangeError(`minHitRate must be in [0, 1], got ${options.minHitRate}`);
    if (!(options.weight > 0 && options.weight <= 1)) throw new RangeError(`weight must be in (0, 1], got ${options.weight}`);
    this.rates = new LRUCache({ max: options.maxKeys });
  }

  /** A key never seen is worth checking: caching is assumed to pay until it is seen not to. */
  hitRate(key: string): number {
    return this.rates.get(key)?.rate ?? 1;
  }

  worthChecking(key: string): boolean {
    return this.hitRate(key) >= this.options.minHitRate;
  }

  record(key: string, current: boolean): void {
    const entry = this.rates.get(key);
    const observed = current ? 1 : 0;
    if (entry) entry.rate += this.options.weight * (observed - entry.rate);
    else this.rates.set(key, { rate: 1 + this.options.weight * (observed - 1) });
  }

  for(key: string): VersionCheck {
    return { worthChecking: () => this.worthChecking(key), record: (current) => this.record(key, current) };
  }
}
