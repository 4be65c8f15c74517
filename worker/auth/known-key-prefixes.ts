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

export interface PrefixSource {
  /** Prefixes of every active key. */
  all(): Promise<string[]>;
  /** Prefixes of keys created at or after `since` (ms since the epoch), revoked or not. */
  createdSince(since: number): Promise<string[]>;
}

export interface KnownPrefixesOptions {
  refreshMinMs: number;
  reloadEveryMs: number;
  skewMs: number;
  /** A refresh still running after this long is taken as lost (its request was cancelled). */
  abandonAfterMs: number;
}

export const KNOWN_PREFIXES_DEFAULTS: KnownPrefixesOptions = { refreshMinMs: 1000, reloadEveryMs: 10 * 60_000, skewMs: 60_000, abandonAfterMs: 5000 };

/** `unloaded`: no view yet (never loaded, or every load failed), so the prefix proves nothing. */
export type PrefixVerdict = "known" | "unknown" | "unloaded";

export class KnownKeyPrefixes {
  private prefixes = new Set<string>();
  /** Added by this isolate while a full reload ran: the reload's answer may predate them. */
  private addedDuringLoad: string[] = [];
  private loadedAt: number | undefined;
  private refreshedAt: number | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inFlightSince: number | undefined;

  constructor(
    private readonly options: KnownPrefixesOptions = KNOWN_PREFIXES_DEFAULTS,
    private readonly now: () => number = Date.now,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  verdict(prefix: string): PrefixVerdict {
    if (this.prefixes.has(prefix)) return "known";
    return this.loadedAt === undefined ? "unloaded" : "unknown";
  }

  /** A key this isolate just issued: known at once, without waiting for a refresh. */
  add(prefix: string): void {
    this.prefixes.add(prefix);
    if (this.inFlightSince !== undefined) this.addedDuringLoad.push(prefix);
  }

  get size(): number {
    return this.prefixes.size;
  }

  /**
   * Refreshes the view from `source` if a refresh is due and none is running; resolves when
   * that refresh ends (at once when none was due). Never rejects: a failed refresh keeps the
   * old view and is tried again after `refreshMinMs`. The source comes with the call because
   * the database binding comes with the request.
   */
  async refreshIfDue(source: PrefixSource): Promise<void> {
    const now = this.now();
    if (this.inFlightSince !== undefined && now - this.inFlightSince < this.options.abandonAfterMs) return;
    if (now - this.lastAttemptAt < this.options.refreshMinMs) return;
    this.lastAttemptAt = now;
    this.inFlightSince = now;
    this.addedDuringLoad = [];
    const full = this.loadedAt === undefined || this.refreshedAt === undefined || now - this.loadedAt >= this.options.reloadEveryMs;
    try {
      if (full) {
        const next = new Set(await source.all());
        if (this.inFlightSince !== now) return; // abandoned and superseded meanwhile
        for (const prefix of this.addedDuringLoad) next.add(prefix);
        this.prefixes = next;
        this.loadedAt = now;
      } else {
        const since = (this.refreshedAt ?? now) - this.options.skewMs;
        const recent = await source.createdSince(since);
        if (this.inFlightSince !== now) return;
        for (const prefix of recent) this.prefixes.add(prefix);
      }
      this.refreshedAt = now;
    } catch (err) {
      this.onError(err);
    } finally {
      if (this.inFlightSince === now) {
        this.inFlightSince = undefined;
        this.addedDuringLoad = [];
      }
    }
  }
}
