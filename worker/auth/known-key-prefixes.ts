/**
 * This isolate's view of which key prefixes (`tfk_<8 id>`) belong to active keys, so a
 * well-formed key nobody issued is refused without a D1 lookup. A random prefix matches one
 * of n issued prefixes with probability n / 62^8 (2e14), so practically every random key is
 * refused from memory, whatever its age or format version, and existing keys need no change.
 *
 * The view is refreshed lazily, when a key with an unknown prefix arrives: at most once per
 * `refreshMinMs` (so a flood of random keys costs D1 one small indexed query a second), by
 * asking only for keys created since the last refresh (minus `skewMs`, for clocks that differ
 * between isolates and for writes that committed late), and reloaded in full every
 * `reloadEveryMs` to forget revoked keys. A key issued elsewhere is known here after at most
 * one refresh interval; a key issued by this isolate is added at once (`add`).
 *
 * Pure: the source of prefixes and the clock are passed in.
 */

export interface KeyPrefix {
  prefix: string;
  /** When its key was created (ms since the epoch). */
  createdAt: number;
}

export interface PrefixSource {
  /** Prefixes of every active key. */
  all(): Promise<KeyPrefix[]>;
  /** Prefixes of keys created at or after `since` (ms since the epoch), revoked or not. */
  createdSince(since: number): Promise<KeyPrefix[]>;
}

export interface KnownPrefixesOptions {
  refreshMinMs: number;
  reloadEveryMs: number;
  skewMs: number;
  /** A refresh still running after this long is taken as lost (its request was cancelled). */
  abandonAfterMs: number;
  /** A key created less than this long ago is `recent`: no flood can have been using its prefix for long. */
  recentForMs: number;
}

export const KNOWN_PREFIXES_DEFAULTS: KnownPrefixesOptions = { refreshMinMs: 1000, reloadEveryMs: 10 * 60_000, skewMs: 60_000, abandonAfterMs: 5000, recentForMs: 10 * 60_000 };

/**
 * `established` or `recent`: an active key has this prefix (created more or less than
 * `recentForMs` ago); `unloaded`: no view yet (never loaded, or every load failed), so the
 * prefix proves nothing.
 */
export type PrefixVerdict = "established" | "recent" | "unknown" | "unloaded";

export class KnownKeyPrefixes {
  /** Prefix → its key's creation time. */
  private prefixes = new Map<string, number>();
  /** Added by this isolate while a full reload ran: the reload's answer may predate them. */
  private addedDuringLoad: KeyPrefix[] = [];
  private loadedAt: number | undefined;
  private refreshedAt: number | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  /** The refresh running now: requests that arrive meanwhile wait for it rather than guess. */
  private inFlight: { since: number; done: Promise<void> } | undefined;

  constructor(
    private readonly options: KnownPrefixesOptions = KNOWN_PREFIXES_DEFAULTS,
    private readonly now: () => number = Date.now,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  verdict(prefix: string): PrefixVerdict {
    const createdAt = this.prefixes.get(prefix);
    if (createdAt !== undefined) return this.now() - createdAt < this.options.recentForMs ? "recent" : "established";
    return this.loadedAt === undefined ? "unloaded" : "unknown";
  }

  /** A key this isolate just issued: known at once, without waiting for a refresh. */
  add(prefix: string): void {
    const createdAt = this.now();
    this.prefixes.set(prefix, createdAt);
    if (this.inFlight !== undefined) this.addedDuringLoad.push({ prefix, createdAt });
  }

  /**
   * Refreshes the view from `source` if a refresh is due; resolves when the refresh that is
   * running ends (at once when none runs or is due; a wait for another request's refresh is
   * capped at what is left of `abandonAfterMs`, since that request may have been cancelled).
   * Never rejects: a failed refresh keeps the old view and is tried again after
   * `refreshMinMs`. The source comes with the call because the database binding comes with
   * the request.
   */
  refreshIfDue(source: PrefixSource): Promise<void> {
    const now = this.now();
    if (this.inFlight !== undefined && now - this.inFlight.since < this.options.abandonAfterMs) {
      return waitAtMost(this.inFlight.done, this.options.abandonAfterMs - (now - this.inFlight.since));
    }
    if (now - this.lastAttemptAt < this.options.refreshMinMs) return Promise.resolve();
    this.lastAttemptAt = now;
    // In flight before the refresh starts, so even one that fails at once finds itself current.
    const flight = { since: now, done: Promise.resolve() };
    this.inFlight = flight;
    flight.done = this.refresh(source, now);
    return flight.done;
  }

  private async refresh(source: PrefixSource, now: number): Promise<void> {
    this.addedDuringLoad = [];
    const current = () => this.inFlight?.since === now;
    const full = this.loadedAt === undefined || this.refreshedAt === undefined || now - this.loadedAt >= this.options.reloadEveryMs;
    try {
      if (full) {
        const next = new Map((await source.all()).map((k) => [k.prefix, k.createdAt]));
        if (!current()) return; // abandoned and superseded meanwhile
        for (const k of this.addedDuringLoad) next.set(k.prefix, k.createdAt);
        this.prefixes = next;
        this.loadedAt = now;
      } else {
        const since = (this.refreshedAt ?? now) - this.options.skewMs;
        const recent = await source.createdSince(since);
        if (!current()) return;
        for (const k of recent) this.prefixes.set(k.prefix, k.createdAt);
      }
      this.refreshedAt = now;
    } catch (err) {
      this.onError(err);
    } finally {
      if (current()) {
        this.inFlight = undefined;
        this.addedDuringLoad = [];
      }
    }
  }
}

/** Resolves when `promise` settles or after `ms`, whichever comes first. Never rejects. */
function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))));
  return Promise.race([promise.catch(() => {}), timeout]).finally(() => clearTimeout(timer));
}
