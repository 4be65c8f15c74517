import type { RequestPriority } from "../contracts/admission";

/**
 * Priority-ordered shedding driven by event-loop lag: the signal for a saturated thread.
 *
 * The concurrency limit protects the downstream (D1) by bounding the work in flight. It cannot
 * protect the thread the controller itself runs on: when most of a request's cost lies outside
 * its admitted section (parsing, auth, validation, serialising; and, on the local runtime, D1
 * itself, which shares the one thread), even a limit of 1 admits more work per second than the
 * thread can do, and every request, shed ones included, waits in the thread's run queue.
 * A timer that fires late says so directly (as LinkedIn's Hodor and Node's event-loop-delay
 * monitors read it), whatever the cause. As in CoDel, the signal is the *smallest* lag over a
 * window: one long task (a big batch write) delays a few timers but leaves gaps where the
 * next fires on time; only a thread that never catches up is late on every sample.
 *
 * The knob is one number, `level` in [0, 3]: classes below floor(level) are shed entirely,
 * the class at floor(level) with probability frac(level), counting from low:
 *   0.0 nothing shed · 0.5 half of low · 1.0 all low · 1.5 all low, half of normal · …
 * Critical is never shed here. Every `windowMs` the window's lag moves it: when even the least
 * lag is above `targetMs` it rises by `riseStep` times how far above (up to 10×, so a flood is
 * met within a few windows); when the thread caught up within the window (least lag under
 * half the target, mean under the target) it falls by `fallStep`, and on clear headroom (mean
 * under a quarter of the target) by 3× that or a tenth of the level, whichever is more; never
 * within `holdMs` of a rise; otherwise it holds. Rising fast and falling slowly keeps the
 * thread out of saturation (where every request waits, shed ones included) at the price of
 * shedding a little more than the minimum while it recovers. The fall reads the least lag,
 * not the mean alone: answering a flood's refusals keeps a thread busy enough for a mean of
 * a few ms, and a level that waited for a calm mean stayed at its ceiling for the whole flood.
 *
 * Only a tenant that sends at least `minArrivalsPerSec` requests is shed, and only such a
 * tenant's level rises (a level banked while nothing is shed by it is a cliff); the requests its
 * isolates admitted under their leases count too, as their renewals report them, when those
 * isolates' own timers are late (admission-core.ts). The
 * lag is the thread's, not the tenant's: on the local runtime every tenant's controller sees
 * the same lag, and in production controllers may share a thread. A tenant sending a trickle
 * cannot be what saturates it, and shedding its requests relieves nothing (what it cost a
 * quiet tenant before this floor is in bench/README.md).
 * The arrival rate is a sliding one-second window (two buckets, weighted).
 *
 * Every tenant's controller reads the same lag, so one level alone would shed every tenant
 * alike, whatever its quota weight. The governor sees the whole fleet and answers each report
 * with a `passScale` for the tenant (saturation-steering.ts): the chance that a request of the
 * class the level sheds part of passes is multiplied by it, so busy tenants are served in
 * proportion to their scales whatever the level. A class the level spares stays spared and a
 * class it sheds entirely stays shed: the level sets how much is shed in all, the scale only
 * who goes first. Critical is never shed.
 * Pure: time, lag and randomness are arguments.
 */
export interface ShedderOptions {
  /** Lag (ms) above which the thread counts as saturated. */
  targetMs: number;
  windowMs: number;
  riseStep: number;
  fallStep: number;
  /** No fall for this long after a rise: the level that just proved necessary is kept a while. */
  holdMs: number;
  /** Tenants sending fewer requests per second than this are never shed here. */
  minArrivalsPerSec: number;
}

export const DEFAULT_SHEDDER: ShedderOptions = { targetMs: 15, windowMs: 100, riseStep: 0.1, fallStep: 0.02, holdMs: 1000, minArrivalsPerSec: 50 };

/**
 * The shedder for CPU_MAX_CAPACITY (percent of its thread a controller may keep busy before it
 * sheds). DEFAULT_SHEDDER's target is the calibrated 100 % point: a thread that never catches
 * up within a window. Below it the target shrinks in proportion, so the controller sheds while
 * a smaller backlog of work still waits on its thread: the least lag of a window is the work
 * that stayed queued through it, and that grows with how busy the thread is kept. The mapping is
 * monotonic (a lower percent never sheds later), not a measurement of busy time.
 */
export function shedderOptionsFor(cpuMaxCapacityPercent: number): ShedderOptions {
  if (!(cpuMaxCapacityPercent >= 1 && cpuMaxCapacityPercent <= 100)) throw new RangeError(`CPU_MAX_CAPACITY must be a percent from 1 to 100, got ${cpuMaxCapacityPercent}`);
  return { ...DEFAULT_SHEDDER, targetMs: (DEFAULT_SHEDDER.targetMs * cpuMaxCapacityPercent) / 100 };
}

/** A count in the current and the previous one-second bucket. */
interface TwoBuckets {
  now: number;
  before: number;
}

/** passScale stays within [1/MAX_PASS_SCALE, MAX_PASS_SCALE]. */
export const MAX_PASS_SCALE = 16;

/** Shedding order: the class at index i is shed once level exceeds i. */
const SHED_ORDER: readonly RequestPriority[] = ["low", "normal", "high"];
export const MAX_SHED_LEVEL = SHED_ORDER.length;

export class SaturationShedder {
  private shedLevel = 0;
  private windowStart: number | undefined;
  private leastLagMs = Infinity;
  private lagSumMs = 0;
  private samples = 0;
  private lastRiseAt = -Infinity;
  private lastLagMs = 0;
  /** Start of the current one-second bucket, shared by both counts below. */
  private bucketStart = -Infinity;
  /** Arrivals at this controller, in the current and the previous bucket. */
  private readonly arrivals: TwoBuckets = { now: 0, before: 0 };
  /** Requests isolate leases admitted, as renewals reported them, in the same buckets. */
  private readonly leased: TwoBuckets = { now: 0, before: 0 };
  /** How many controllers share the tenant's arrivals (a shard sees about 1/K of them). */
  private arrivalShare = 1;
  private scale = 1;
  /** Requests shed since this shedder started: with those admitted, what the tenant wanted. */
  private shedCount = 0;

  constructor(private readonly options: ShedderOptions = DEFAULT_SHEDDER) {}

  get level(): number {
    return this.shedLevel;
  }

  /** Lag (ms) above which the thread counts as saturated (for the state document). */
  get targetMs(): number {
    return this.options.targetMs;
  }

  /** Most recent lag sample, ms (for the state document). */
  get lagMs(): number {
    return this.lastLagMs;
  }

  /** One measurement: a timer due at `now - lagMs` fired at `now`. */
  observeLag(lagMs: number, now: number): void {
    const lag = Math.max(0, lagMs);
    this.lastLagMs = lag;
    if (this.windowStart === undefined) this.windowStart = now;
    this.leastLagMs = Math.min(this.leastLagMs, lag);
    this.lagSumMs += lag;
    this.samples++;
    if (now - this.windowStart < this.options.windowMs) return;
    this.adjust(this.leastLagMs, this.lagSumMs / this.samples, now);
    this.windowStart = now;
    this.leastLagMs = Infinity;
    this.lagSumMs = 0;
    this.samples = 0;
  }

  /** How much likelier than the level alone says this tenant's requests are to pass (see above). */
  get passScale(): number {
    return this.scale;
  }

  /** Requests this shedder shed since it started. */
  get shedTotal(): number {
    return this.shedCount;
  }

  /** Probability that a request of this priority is shed now (if the tenant is busy enough to be shed at all). */
  shedProbability(priority: RequestPriority): number {
    const index = SHED_ORDER.indexOf(priority);
    if (index < 0) return 0; // critical
    const base = Math.min(1, Math.max(0, this.shedLevel - index));
    if (base === 0 || base === 1) return base;
    return 1 - Math.min(1, (1 - base) * this.scale);
  }

  /** The governor's scale for this tenant (1 when it is not heard from); bounded, nonsense read as 1. */
  setPassScale(scale: number): void {
    this.scale = Number.isFinite(scale) && scale > 0 ? Math.min(MAX_PASS_SCALE, Math.max(1 / MAX_PASS_SCALE, scale)) : 1;
  }

  /**
   * The tenant's arrivals are spread over `controllers` (a shard's K): the floor is the
   * tenant's, so a shard counts its arrivals that many times over. Without it a tenant
   * flooding K shards at under the floor each was never shed at all.
   */
  spreadOver(controllers: number): void {
    this.arrivalShare = Math.max(1, Math.floor(controllers) || 1);
  }

  /** One arrival at the controller; decides whether to shed it. `random` in [0, 1). */
  shouldShed(priority: RequestPriority, random: number, now: number): boolean {
    this.countArrival(now);
    if (this.levelFor(now) === 0) return false;
    const shed = random < this.shedProbability(priority);
    if (shed) this.shedCount++;
    return shed;
  }

  /**
   * The level this tenant's requests meet now: the thread's level while the tenant sends at
   * least the floor, 0 below it (such a tenant is never shed here, so its load does not read
   * as raised by this shedder either).
   */
  levelFor(now: number): number {
    return this.shedLevel === 0 || !this.busyEnough(now) ? 0 : this.shedLevel;
  }

  /**
   * Whether the tenant sends enough to be shed at all (the floor, over all its controllers). A
   * shard's own arrivals are about 1/K of the tenant's (the balancers spread them); what leases
   * admitted is not: an isolate holds one lease, from one controller, so it counts once.
   */
  private busyEnough(now: number): boolean {
    return this.arrivalsPerSec(now) * this.arrivalShare + this.leasedPerSec(now) >= this.options.minArrivalsPerSec;
  }

  /** Arrivals at this controller over the last second (sliding window estimate). */
  arrivalsPerSec(now: number): number {
    return this.perSec(this.arrivals, now);
  }

  /** Requests leases admitted over the last second, as renewals reported them. */
  private leasedPerSec(now: number): number {
    return this.perSec(this.leased, now);
  }

  /** The previous bucket weighted by how little of the current one has passed, plus the current one. */
  private perSec(count: TwoBuckets, now: number): number {
    this.rollBuckets(now);
    const intoBucket = Math.min(1, Math.max(0, (now - this.bucketStart) / 1000));
    return count.now + count.before * (1 - intoBucket);
  }

  /** Requests admitted elsewhere (under an isolate lease) and reported now: they count toward the floor, and are not shed here. */
  countLeasedArrivals(count: number, now: number): void {
    if (!(Number.isSafeInteger(count) && count > 0)) return;
    this.rollBuckets(now);
    this.leased.now += count;
  }

  private countArrival(now: number): void {
    this.rollBuckets(now);
    this.arrivals.now++;
  }

  private rollBuckets(now: number): void {
    if (now - this.bucketStart < 1000) return;
    const skipped = now - this.bucketStart >= 2000;
    for (const count of [this.arrivals, this.leased]) {
      count.before = skipped ? 0 : count.now;
      count.now = 0;
    }
    this.bucketStart = skipped ? now : this.bucketStart + 1000;
  }

  private adjust(leastLagMs: number, meanLagMs: number, now: number): void {
    const { targetMs, riseStep, fallStep, holdMs } = this.options;
    if (leastLagMs > targetMs) {
      // Only for a tenant its level acts on: one under the floor would otherwise bank a level
      // it is not shed by, and meet all of it at once when its requests come back here.
      if (!this.busyEnough(now)) return;
      this.shedLevel = Math.min(MAX_SHED_LEVEL, this.shedLevel + riseStep * Math.min(10, leastLagMs / targetMs));
      this.lastRiseAt = now;
    } else if (leastLagMs < targetMs / 2 && meanLagMs < targetMs && now - this.lastRiseAt >= holdMs) {
      // A thread with clear headroom gives the level back faster than one just under the target.
      const step = meanLagMs < targetMs / 4 ? Math.max(3 * fallStep, this.shedLevel * 0.1) : fallStep;
      this.shedLevel = Math.max(0, this.shedLevel - step);
    }
  }
}
