/**
 * What every isolate cache policy offers (DESIGN.md section 9): bounded in entries and in
 * estimated bytes, entries expiring after a time-to-live. `onEvict` is called once per entry
 * removed to respect a bound (not for expiry or deletion), so callers can count evictions.
 */
export interface CacheStore<V> {
  /** The value if present and not expired; counts as a use for the policy. */
  get(key: string): V | undefined;
  /** Stores or replaces; an entry larger than `maxBytes` on its own is not stored. */
  set(key: string, value: V): void;
  delete(key: string): void;
  deleteWhere(matches: (value: V) => boolean): void;
  /** Entries held, expired ones not yet removed included. */
  readonly size: number;
  /** Estimated bytes held (the sum of `sizeOf` over the entries). */
  readonly bytes: number;
}

export interface StoreLimits<V> {
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
  /** Estimated bytes of one entry, at least 1. */
  sizeOf: (key: string, value: V) => number;
  onEvict: () => void;
  /** Clock in ms; tests pass their own. */
  now: () => number;
}
