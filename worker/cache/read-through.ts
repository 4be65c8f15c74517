import type { VersionCheck } from "./version-check-policy";

/**
 * A read served from an isolate cache only while its data version is current (DESIGN.md
 * section 9). Every write bumps the tenant's version in its own transaction, so an entry whose
 * version is still the version in the database holds exactly what a fresh read would return:
 * no write has committed since. Reading the version is one small query; a miss reads the value
 * and its version together (one transaction), so an entry is never labelled with a version
 * older or newer than its data. Pure: no Workers API; the source and the clock come in.
 */

export interface Versioned<V> {
  version: number;
  value: V;
}

/** Where the truth lives (D1), seen through the two reads this needs. */
export interface VersionedSource<V> {
  /** The current data version alone. */
  version(): Promise<number>;
  /** The value and the data version it was read at, in one transaction. */
  valueWithVersion(): Promise<Versioned<V>>;
}

export interface CachedRead<V> extends Versioned<V> {
  /** The last instant (ms) at which the value is true without a write (Infinity: until one). */
  trueUntil: number;
  /** When the value was last known to be current: stored, or found current since. */
  verifiedAt: number;
}

/** The cache as this needs it: lookups are counted by the caller, once it knows hit or miss. */
export interface ReadCache<V> {
  peek(key: string): CachedRead<V> | undefined;
  set(key: string, entry: CachedRead<V>): void;
  count(result: "hit" | "miss"): void;
}

export interface ReadOptions<V> {
  now: () => number;
  /** How long a value stays true with no write (stats: until the next due date passes). */
  trueUntil?: (value: V) => number;
  /** The current version, when the caller has just read it (e.g. to answer If-None-Match). */
  knownVersion?: number;
  /** Whether a version check is worth its round trip for this key (version-check-policy.ts); always, without one. */
  check?: VersionCheck;
}

export interface ReadResult<V> extends Versioned<V> {
  hit: boolean;
  /** An instant at which the value was the current data (at most as late as the read). */
  verifiedAt: number;
}

/** Whether an entry may be served now that `version` is the current data version. */
export const isCurrent = (entry: Pick<CachedRead<unknown>, "version" | "trueUntil">, version: number, now: number): boolean =>
  entry.version === version && now <= entry.trueUntil;

export async function readThrough<V>(cache: ReadCache<V>, key: string, source: VersionedSource<V>, options: ReadOptions<V>): Promise<ReadResult<V>> {
  const cached = cache.peek(key);
  // A version the caller already holds costs nothing to check against.
  const checking = cached !== undefined && (options.knownVersion !== undefined || (options.check?.worthChecking() ?? true));
  if (cached && checking) {
    // The version read happens after this instant, so the entry is known current at least then.
    const asked = options.now();
    const version = options.knownVersion ?? (await source.version());
    const current = isCurrent(cached, version, options.now());
    options.check?.record(current);
    if (current) {
      cache.count("hit");
      cached.verifiedAt = Math.max(cached.verifiedAt, asked);
      return { version, value: cached.value, hit: true, verifiedAt: asked };
    }
  }
  cache.count("miss");
  const asked = options.now();
  const fresh = await source.valueWithVersion();
  // Read past the entry: the batch's version still says whether it would have been served.
  if (cached && !checking) options.check?.record(isCurrent(cached, fresh.version, options.now()));
  // A slower read of an older version must not replace what a later one stored meanwhile.
  const stored = cache.peek(key);
  if (!stored || stored.version <= fresh.version) cache.set(key, { ...fresh, trueUntil: options.trueUntil?.(fresh.value) ?? Infinity, verifiedAt: asked });
  return { ...fresh, hit: false, verifiedAt: asked };
}
