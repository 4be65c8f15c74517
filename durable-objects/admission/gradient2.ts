import {
  assertValidBounds,
  clampLimit,
  decreaseForDrop,
  INITIAL_LIMIT,
  slotsWanted,
  wholeLimit,
  type Gradient2Snapshot,
  type Limit,
  type LimitBounds,
  type LimitSample,
} from "./limit";

/**
 * A gradient limit after Netflix's Gradient2: compare a short-term latency average with a
 * long-term one; when the short one rises past `tolerance` times the long one, the limit
 * shrinks in proportion; while latency stays at or under its long-term level, or within
 * `latencySlackMs` of the no-load RTT, the limit grows by a headroom of sqrt(limit) (and is
 * not cut within that slack). Smoothed, bounded in [min, max].
 *
 * Guards against the known failures of such limiters:
 * - unbounded growth under moderate overload: growth only while short <= long (within a 5%
 *   noise slack; Netflix grows anywhere under tolerance * long) or within the latency slack,
 *   and the long average may not exceed `longCapRatio` times the no-load RTT (or the no-load
 *   RTT plus the slack, whichever is higher), so a slow creep of latency caused by our own
 *   concurrency cannot drag the baseline (and with it the limit) up forever. Over a no-load
 *   RTT of a few ms the ratio bounds the concurrency; under it the slack bounds the latency
 *   the limit adds (to about the slack times the tolerance). The slack: a request that costs
 *   0.6 ms alone and 5 ms among sixteen on a busy thread is not a congested downstream, and
 *   a cap of 1.2 ms held a saturated reader at 2-3 slots, every other request then queued at
 *   its controller (bench/README.md); a few ms of queueing are what a limit is there to allow;
 * - minRTT drift: the no-load RTT is not an all-time minimum (which pins the limit at min
 *   forever after a genuine slowdown, Gradient v1's failure) nor a sliding minimum (which
 *   creeps up with the overload it should expose). It falls with any lower short RTT and is
 *   re-measured, up or down, by a periodic probe in the manner of Envoy's minRTT window: every
 *   `probeInterval` saturated samples the limit drops to `probeFraction` of itself until
 *   `probeSamples` requests granted under that lower concurrency have been measured;
 *   their mean becomes the no-load RTT (not while the caller says its concurrency cannot be
 *   lowered, `mayProbe: false`: slots leased out stay held, the probe would measure nothing
 *   and only starve what asks for a slot). When the long average sits above twice the short one
 *   (recovery after a long overload) it decays quickly instead of waiting for the EWMA;
 * - one stall read as a trend: a sample enters the averages as at most twice the tolerance
 *   times the long average, so a lone stalled request (a GC pause, a cold read, a thread busy
 *   elsewhere) does not cut the limit while a sustained rise still takes the short average
 *   past the tolerance within a short window (Netflix reads a window's percentile for the same
 *   reason); a report's mean latency is one sample (for the long average, as many as its
 *   requests) and moves the limit once;
 * - dropped samples polluting RTT: a drop never updates the averages, it decreases the limit
 *   multiplicatively (decreaseForDrop);
 * - app-limited growth: samples taken while fewer than half the slots were in use say
 *   nothing about capacity, so they never change the limit (they still teach the averages).
 */

export interface Gradient2Options {
  initialLimit: number;
  /** How far the short RTT may rise over the long one before the limit shrinks. */
  tolerance: number;
  /** Weight of the newly computed limit against the old one. */
  smoothing: number;
  /** EWMA windows: the short one in samples, the long one in requests (a report's mean counts as the requests it stands for). */
  shortWindow: number;
  longWindow: number;
  /** Cap on long RTT as a multiple of the no-load RTT... */
  longCapRatio: number;
  /**
   * ...or the no-load RTT plus this many ms, whichever is higher; and the limit may grow while
   * the short RTT is within this many ms of the no-load one.
   */
  latencySlackMs: number;
  /** Saturated samples between two no-load RTT probes. */
  probeInterval: number;
  /** The probe's limit as a fraction of the learned one. */
  probeFraction: number;
  /** Samples measured under the probe's limit that make one probe. */
  probeSamples: number;
  /** Limit factor after a full round of dropped samples. */
  dropBackoff: number;
  /** The gradient never cuts the limit by more than this factor per sample. */
  minGradient: number;
}

export const GRADIENT2_DEFAULTS: Omit<Gradient2Options, "initialLimit"> = {
  tolerance: 1.5,
  smoothing: 0.2,
  shortWindow: 10,
  longWindow: 600,
  longCapRatio: 2,
  latencySlackMs: 4,
  probeInterval: 2000,
  probeFraction: 0.25,
  probeSamples: 10,
  dropBackoff: 0.5,
  minGradient: 0.5,
};

/** RTTs below this are clock granularity, not measurements (Workers clocks advance on I/O). */
const RTT_FLOOR_MS = 0.1;
/** Netflix's recovery guard: long > 2 x short means the overload is over; decay the long average. */
const LONG_DRIFT_RATIO = 2;
const LONG_DRIFT_DECAY = 0.95;
/** Growth needs short <= long; the slack keeps equal latencies (short a hair above long) from freezing growth. */
const GROWTH_SLACK = 1.05;

interface Probe {
  limit: number;
  measured: number;
  rttSum: number;
  seen: number;
}

export class Gradient2Limit implements Limit {
  readonly algorithm = "gradient2" as const;
  private readonly options: Gradient2Options;
  private bounds: LimitBounds;
  private estimate: number;
  private shortRtt: number | null = null;
  private longRtt: number | null = null;
  private noLoadRtt: number | null = null;
  private samplesSinceProbe = 0;
  private probe: Probe | null = null;

  constructor(bounds: LimitBounds, options: Partial<Gradient2Options> = {}, snapshot?: Gradient2Snapshot) {
    assertValidBounds(bounds);
    this.bounds = { ...bounds };
    this.options = { ...GRADIENT2_DEFAULTS, initialLimit: INITIAL_LIMIT, ...options };
    // A slack that is not a finite non-negative number would poison both averages through Math.max.
    if (!(Number.isFinite(this.options.latencySlackMs) && this.options.latencySlackMs >= 0)) this.options.latencySlackMs = GRADIENT2_DEFAULTS.latencySlackMs;
    this.estimate = clampLimit(snapshot?.limit ?? this.options.initialLimit, bounds);
    if (snapshot) {
      this.shortRtt = positiveOrNull(snapshot.shortRttMs);
      this.longRtt = positiveOrNull(snapshot.longRttMs);
      this.noLoadRtt = positiveOrNull(snapshot.minRttMs);
    }
  }

  get current(): number {
    const learned = wholeLimit(this.estimate, this.bounds);
    return this.probe ? Math.min(learned, this.probe.limit) : learned;
  }

  get settled(): number {
    return wholeLimit(this.estimate, this.bounds);
  }

  get probing(): boolean {
    return this.probe !== null;
  }

  /** Exposed for the state document and tests. */
  get rtt(): { shortMs: number | null; longMs: number | null; minMs: number | null } {
    return { shortMs: this.shortRtt, longMs: this.longRtt, minMs: this.noLoadRtt };
  }

  onSample(sample: LimitSample): number {
    if (sample.dropped) {
      this.estimate = clampLimit(decreaseForDrop(this.estimate, this.options.dropBackoff), this.bounds);
      return this.current;
    }
    if (!Number.isFinite(sample.rttMs) || sample.rttMs < 0) return this.current;
    const rtt = Math.max(RTT_FLOOR_MS, sample.rttMs);
    const bounded = this.longRtt === null ? rtt : Math.min(rtt, 2 * this.options.tolerance * this.longRtt);
    const short = ewma(this.shortRtt, bounded, this.options.shortWindow);
    let long = ewma(this.longRtt, bounded, this.options.longWindow, sample.requests);
    const noLoad = this.observeNoLoad(short, rtt, sample.inflight);
    const slackCeilingMs = noLoad + this.options.latencySlackMs;
    long = Math.min(long, Math.max(noLoad * this.options.longCapRatio, slackCeilingMs));
    if (long > LONG_DRIFT_RATIO * short) long *= LONG_DRIFT_DECAY;
    this.shortRtt = short;
    this.longRtt = long;

    if (slotsWanted(sample) < this.estimate / 2) return this.current;
    if (sample.mayProbe !== false) this.maybeStartProbe();

    // Within the slack a long average still catching up (a window of 600 requests) does not cut. A slack of 0 is the ratio alone.
    const slackHolds = this.options.latencySlackMs > 0 && short <= slackCeilingMs;
    const gradient = slackHolds ? 1 : Math.min(1, Math.max(this.options.minGradient, (this.options.tolerance * long) / short));
    const headroom = short <= long * GROWTH_SLACK || slackHolds ? Math.sqrt(this.estimate) : 0;
    const target = this.estimate * gradient + headroom;
    this.estimate = clampLimit(this.estimate * (1 - this.options.smoothing) + target * this.options.smoothing, this.bounds);
    return this.current;
  }

  setBounds(bounds: LimitBounds): void {
    assertValidBounds(bounds);
    this.bounds = { ...bounds };
    this.estimate = clampLimit(this.estimate, bounds);
  }

  snapshot(): Gradient2Snapshot {
    return { algorithm: "gradient2", limit: this.estimate, shortRttMs: this.shortRtt, longRttMs: this.longRtt, minRttMs: this.rtt.minMs };
  }

  /**
   * Lowers the no-load RTT on any lower short RTT; replaces it (up or down) when a probe
   * completes. At the limit's lower bound the short RTT is the no-load RTT (there is no
   * concurrency of its own left to blame), up or down.
   */
  private observeNoLoad(short: number, rtt: number, inflight: number): number {
    const atFloor = this.estimate < this.bounds.min + 1;
    this.noLoadRtt = this.noLoadRtt === null || atFloor ? short : Math.min(this.noLoadRtt, short);
    const probe = this.probe;
    if (probe) {
      probe.seen++;
      // Only requests granted under the probe's limit measured low concurrency.
      if (inflight <= probe.limit) {
        probe.measured++;
        probe.rttSum += rtt;
      }
      const givenUp = probe.seen >= Math.max(50, 4 * this.estimate);
      if (probe.measured >= this.options.probeSamples || givenUp) {
        if (probe.measured > 0) this.noLoadRtt = probe.rttSum / probe.measured;
        this.probe = null;
      }
    }
    return this.noLoadRtt;
  }

  private maybeStartProbe(): void {
    if (this.probe || ++this.samplesSinceProbe < this.options.probeInterval) return;
    this.samplesSinceProbe = 0;
    this.probe = { limit: Math.max(this.bounds.min, Math.floor(this.estimate * this.options.probeFraction)), measured: 0, rttSum: 0, seen: 0 };
  }
}

/**
 * An exponentially weighted average over roughly `window` samples, `sample` standing for
 * `count` equal ones; the first sample seeds it. The long window is in requests: a lease's
 * requests reach the limit as one mean per renewal, and counted as one sample, its 600 took
 * about 100 s of a leased tenant's renewals, so it stayed at the tenant's idle latency and a
 * steady rise under its own load read as congestion for as long as it lasted (a saturated
 * reader's limit fell from 22 to 6; bench/README.md). The short one stays one sample per
 * report: the no-load RTT follows its lows, and one report's mean as the short average let a
 * single quiet report set it (0.6 ms against 3; the limit then fell to 1).
 */
function ewma(previous: number | null, sample: number, window: number, count = 1): number {
  if (previous === null) return sample;
  const alpha = 2 / (window + 1);
  const n = Number.isFinite(count) && count >= 1 ? Math.floor(count) : 1;
  return previous + (1 - Math.pow(1 - alpha, n)) * (sample - previous);
}

function positiveOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : null;
}
