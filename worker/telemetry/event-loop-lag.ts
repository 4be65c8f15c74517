/**
 * How long a task that is ready waits for this isolate's thread: the delay of a zero-delay
 * timer, sampled at most every `intervalMs` while queries run. A query timed in the Worker
 * includes that wait (its answer is ready, the thread is busy elsewhere), and it is not time
 * spent in D1: the resource governor reads query times with it taken out, so a busy thread is
 * not mistaken for a contended database. Locally, where D1, the Durable Objects and the Worker
 * share workerd's one thread, that wait is most of a query's time, and the clock is precise.
 * Deployed, the clock advances only at I/O and is held at or below the next pending timer (a
 * Spectre mitigation); if that hides the timer's lateness, the lag reads 0 there and the
 * governor sees the wall time, as before this correction (README, Resource governor).
 */

export interface EventLoopLagOptions {
  /** Least time between two samples, ms. */
  intervalMs: number;
  /** Weight of a new sample in the smoothed lag. */
  alpha: number;
  /**
   * A lag this old says nothing about now: the next sample replaces it, and until then it reads
   * 0; and a sample pending this long is taken as lost. Not shorter: on a saturated thread a
   * zero-delay timer can fire 100 ms late, and a sample given up before it fires never lands
   * (the lag then read 0 exactly when it was largest; bench/README.md, Scenario 2).
   */
  staleAfterMs: number;
}

export const EVENT_LOOP_LAG_DEFAULTS: EventLoopLagOptions = { intervalMs: 25, alpha: 0.3, staleAfterMs: 1000 };

/** Resolves after a zero-delay timer fired. */
export type ZeroDelayTimer = () => Promise<void>;
/** Keeps the request alive until the sample is taken (ctx.waitUntil): a timer left pending when a request ends may never fire. */
export type KeepAlive = (work: Promise<unknown>) => void;

export class EventLoopLag {
  private readonly options: EventLoopLagOptions;
  private smoothed: number | null = null;
  private sampledAt = Number.NEGATIVE_INFINITY;
  private pendingSince: number | null = null;

  constructor(
    options: Partial<EventLoopLagOptions> = {},
    private readonly now: () => number = () => performance.now(),
    private readonly timer: ZeroDelayTimer = () => new Promise((resolve) => setTimeout(resolve, 0)),
  ) {
    this.options = { ...EVENT_LOOP_LAG_DEFAULTS, ...options };
  }

  /** Takes a sample if none was taken for `intervalMs` and none is pending (one pending for `staleAfterMs` is taken as lost). */
  poke(keepAlive?: KeepAlive): void {
    const started = this.now();
    if (this.pendingSince !== null && started - this.pendingSince < this.options.staleAfterMs) return;
    if (started - this.sampledAt < this.options.intervalMs) return;
    this.pendingSince = started;
    const sampled = this.timer().then(() => {
      if (this.pendingSince !== started) return;
      const at = this.now();
      const delay = Math.max(0, at - started);
      const fresh = this.smoothed === null || at - this.sampledAt >= this.options.staleAfterMs;
      this.smoothed = fresh ? delay : this.options.alpha * delay + (1 - this.options.alpha) * (this.smoothed ?? delay);
      this.sampledAt = at;
      this.pendingSince = null;
    });
    keepAlive?.(sampled);
  }

  /** The smoothed lag now, ms (0 before any sample or once the last is stale). */
  lagMs(now: number = this.now()): number {
    return this.smoothed === null || now - this.sampledAt >= this.options.staleAfterMs ? 0 : this.smoothed;
  }
}

/** Adds one query's time to the request's timings: all of it to dbMs, what was not the thread's lag to dbMsWithoutLag. */
export function addQueryTime(timings: { dbMs: number; dbMsWithoutLag: number; dbQueries: number }, ms: number, lagMs: number): void {
  timings.dbMs += ms;
  timings.dbMsWithoutLag += Math.max(0, ms - lagMs);
  timings.dbQueries++;
}

let isolateLag: EventLoopLag | undefined;

/** This isolate's lag meter. */
export function isolateEventLoopLag(): EventLoopLag {
  isolateLag ??= new EventLoopLag();
  return isolateLag;
}
