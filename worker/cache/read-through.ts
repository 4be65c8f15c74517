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
  /** Reads of the value under way in this isolate, by key (see readThrough). */
  flights?: ReadFlights<V>;
  /** How long a reader waits for a read under way before it reads for itself (default JOIN_WAIT_MS). */
  joinWaitMs?: number;
}

/** Far above a read's time, even under load: reached only when the request that sent it was cancelled. */
export const JOIN_WAIT_MS = 2000;

/** A value read under way, by cache key: readers that miss meanwhile join it rather than read again. */
export type ReadFlights<V> = Map<string, Promise<Versioned<V>>>;

export interface ReadResult<V> extends Versioned<V> {
  hit: boolean;
  /** An instant at which the value was the current data (at most as late as the read). */
  verifiedAt: number;
}

/** Whether an entry may be served now that `version` is the current data version. */
export const isCurrent = (entry: Pick<CachedRead<unknown>, "version" | "trueUntil">, version: number, now: number): boolean =>
  entry.version === version && now <= entry.trueUntil;

/**
 * A read that finds its entry current serves it; otherwise it reads the value, unless a read of
 * it is already under way in this isolate: then, with the version read after it arrived, it
 * waits for that read and serves it if its version is at least that one. A value labelled with
 * version W is the data as of W, and W at or past a version current after this read arrived
 * means no write completed before the arrival is missing from it. So a burst of readers
 * after a write costs one value read, not one each.
 */
export async function readThrough<V>(cache: ReadCache<V>, key: string, source: VersionedSource<V>, options: ReadOptions<V>): Promise<ReadResult<V>> {
  const cached = cache.peek(key);
  const underWay = options.flights?.get(key);
  // A read under way is worth a version read; an entry, when the caller already holds the version or the policy says so.
  const checking = underWay !== undefined || (cached !== undefined && (options.knownVersion !== undefined || (options.check?.worthChecking() ?? true)));
  if (checking) {
    // The version read happens after this instant, so what it vouches for is current at least then.
    const asked = options.now();
    const version = options.knownVersion ?? (await source.version());
    // Looked up again: a read that ended meanwhile may have stored a current entry.
    const entry = cache.peek(key) ?? cached;
    const current = entry !== undefined && isCurrent(entry, version, options.now());
    if (entry && current) {
      options.check?.record(true);
      cache.count("hit");
      entry.verifiedAt = Math.max(entry.verifiedAt, asked);
      return { version, value: entry.value, hit: true, verifiedAt: asked };
    }
    const joined = await joinFlight(options.flights?.get(key), version, options);
    options.check?.record(joined !== undefined);
    if (joined) {
      cache.count("hit");
      return { ...joined, hit: true, verifiedAt: asked };
    }
  }
  cache.count("miss");
  const asked = options.now();
  const fresh = await fly(key, source, options.flights);
  // Read past the entry: the batch's version still says whether it would have been served.
  if (cached && !checking) options.check?.record(isCurrent(cached, fresh.version, options.now()));
  // A slower read of an older version must not replace what a later one stored meanwhile.
  const stored = cache.peek(key);
  if (!stored || stored.version <= fresh.version) cache.set(key, { ...fresh, trueUntil: options.trueUntil?.(fresh.value) ?? Infinity, verifiedAt: asked });
  return { ...fresh, hit: false, verifiedAt: asked };
}

/** The read under way, if it ends with `version` or a later one still true now; undefined if not (or if it failed). */
async function joinFlight<V>(flight: Promise<Versioned<V>> | undefined, version: number, options: ReadOptions<V>): Promise<Versioned<V> | undefined> {
  if (!flight) return undefined;
  // A promise of this request's own, settled by the other one: awaited directly, the other
  // request's promise would resume this one inside that request's I/O context, where workerd
  // refuses this request's streams ("Cannot perform I/O on behalf of a different request").
  // Bounded: a request that is cancelled (its client went away) may never settle its I/O.
  const value = await new Promise<Versioned<V> | undefined>((settle) => {
    const timer = setTimeout(() => settle(undefined), options.joinWaitMs ?? JOIN_WAIT_MS);
    const done = (v: Versioned<V> | undefined) => (clearTimeout(timer), settle(v));
    void flight.then(done, () => done(undefined));
  });
  if (!value || value.version < version) return undefined;
  return options.now() <= (options.trueUntil?.(value.value) ?? Infinity) ? value : undefined;
}

/** Reads the value, visible to other readers of the key while it is under way. */
async function fly<V>(key: string, source: VersionedSource<V>, flights: ReadFlights<V> | undefined): Promise<Versioned<V>> {
  const flight = source.valueWithVersion();
  if (!flights) return flight;
  flights.set(key, flight);
  try {
    return await flight;
  } finally {
    if (flights.get(key) === flight) flights.delete(key);
  }
}
