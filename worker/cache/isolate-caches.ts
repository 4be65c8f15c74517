import type { CacheStrategy, Config } from "../config";
import type { CacheStore } from "./cache-store";
import { createStore } from "./create-store";
import { estimateEntryBytes } from "./entry-size";

/**
 * Every data cache of an isolate (DESIGN.md section 9) is an IsolateCache defined on one
 * registry, so the three knobs act on all of them alike: CACHE_STRATEGY picks the policy,
 * CACHE_MAX_SIZE bounds each cache's entries, MEMORY_MAX_CAPACITY the bytes they hold
 * together (split evenly, by each entry's estimated size). Each lookup and eviction is
 * reported to the observer (the isolate's telemetry recorder) under the cache's name.
 *
 * Bookkeeping maps that must work whatever the cache knobs say (RecentLoad, RefreshClaims)
 * are not defined here.
 */

const MIB = 1024 * 1024;

export interface CacheObserver {
  recordCache(cache: string, result: "hit" | "miss"): void;
  recordCacheEvictions(cache: string, count: number): void;
}

export interface CacheSettings {
  strategy: CacheStrategy;
  /** Entries per cache. */
  maxEntries: number;
  /** Estimated bytes all caches of the registry may hold together. */
  maxBytes: number;
}

export function cacheSettingsOf(config: Config): CacheSettings {
  return { strategy: config.cache.strategy, maxEntries: config.cache.maxSize, maxBytes: config.resources.memoryMaxCapacityMb * MIB };
}

export interface CacheSpec<V> {
  /** How long an entry may be served after it was stored. */
  ttlMs: number;
  /** Estimated bytes of an entry (default: estimateEntryBytes). */
  sizeOf?: (key: string, value: V) => number;
}

export class CacheRegistry {
  /** Nothing is cached until the first request configures the registry. */
  private current: CacheSettings = { strategy: "off", maxEntries: 1, maxBytes: 1 };
  private version = 0;
  private lastConfig: Config | undefined;
  private readonly names = new Set<string>();
  private reportTo: CacheObserver | undefined;

  constructor(readonly now: () => number = Date.now) {}

  define<V extends object>(name: string, spec: CacheSpec<V>): IsolateCache<V> {
    if (this.names.has(name)) throw new Error(`an isolate cache named ${name} already exists`);
    this.names.add(name);
    // The byte budget is split anew: every cache rebuilds on its next use.
    this.version++;
    return new IsolateCache(name, spec, this);
  }

  /** Applies new settings; caches start empty under them. The observer is replaced either way. */
  configure(settings: CacheSettings, observer?: CacheObserver): void {
    this.reportTo = observer;
    const c = this.current;
    if (c.strategy === settings.strategy && c.maxEntries === settings.maxEntries && c.maxBytes === settings.maxBytes) return;
    this.current = { ...settings };
    this.version++;
  }

  /** Called on every request: a no-op while the config object is the one seen last. */
  configureFrom(config: Config, observer?: CacheObserver): void {
    if (config === this.lastConfig && observer === this.observer) return;
    this.lastConfig = config;
    this.configure(cacheSettingsOf(config), observer);
  }

  /** Where lookups and evictions are reported (none while telemetry is off). */
  get observer(): CacheObserver | undefined {
    return this.reportTo;
  }

  get settings(): Readonly<CacheSettings> {
    return this.current;
  }

  /** Changes whenever the stores must be rebuilt. */
  get generation(): number {
    return this.version;
  }

  get bytesPerCache(): number {
    return Math.floor(this.current.maxBytes / Math.max(1, this.names.size));
  }
}

export class IsolateCache<V extends object> {
  private store: CacheStore<V> | undefined;
  private builtFor = -1;

  constructor(
    readonly name: string,
    private readonly spec: CacheSpec<V>,
    private readonly registry: CacheRegistry,
  ) {}

  get(key: string): V | undefined {
    const value = this.current().get(key);
    this.registry.observer?.recordCache(this.name, value === undefined ? "miss" : "hit");
    return value;
  }

  /**
   * The entry without counting a lookup, for a caller that must check it against its source
   * before it knows whether this is a hit (then it calls `count`). A use for the policy all the same.
   */
  peek(key: string): V | undefined {
    return this.current().get(key);
  }

  count(result: "hit" | "miss"): void {
    this.registry.observer?.recordCache(this.name, result);
  }

  set(key: string, value: V): void {
    this.current().set(key, value);
  }

  delete(key: string): void {
    this.current().delete(key);
  }

  deleteWhere(matches: (value: V) => boolean): void {
    this.current().deleteWhere(matches);
  }

  get size(): number {
    return this.current().size;
  }

  get bytes(): number {
    return this.current().bytes;
  }

  private current(): CacheStore<V> {
    if (this.store && this.builtFor === this.registry.generation) return this.store;
    const { strategy, maxEntries } = this.registry.settings;
    this.store = createStore<V>(strategy, {
      maxEntries,
      maxBytes: this.registry.bytesPerCache,
      ttlMs: this.spec.ttlMs,
      sizeOf: this.spec.sizeOf ?? estimateEntryBytes,
      onEvict: () => this.registry.observer?.recordCacheEvictions(this.name, 1),
      now: this.registry.now,
    });
    this.builtFor = this.registry.generation;
    return this.store;
  }
}

/** This isolate's registry: the Worker's data caches are defined on it, and each request configures it. */
export const isolateCaches = new CacheRegistry();
