import type { RateLimitInfo } from "../contracts/admission";

/**
 * A token bucket whose level is a function of time: `burst` tokens at most, refilled at
 * `requests / windowMs` per ms, computed from the elapsed time on every call (no timers).
 * Pure: the clock is passed in; time never runs backwards inside the bucket.
 *
 * A `funded` bucket (a shard controller's, DESIGN.md section 7) never refills by itself: it
 * starts empty and holds only the tokens its root leased it (`fund`), so a tenant's shards
 * together can never spend more than the root's one refilling bucket let out. Its rate still
 * prices a wait (Retry-After) as the tenant's rate would.
 */

export interface BucketRate {
  requests: number;
  windowMs: number;
  burst: number;
}

/** What is persisted: the level at an instant. The level at any later instant follows from the rate. */
export interface BucketSnapshot {
  tokens: number;
  updatedAt: number;
}

export type TakeResult =
  | { ok: true; remaining: number }
  /** Not enough tokens now: after exactly `waitMs` there will be. */
  | { ok: false; never: false; waitMs: number }
  /** The cost exceeds the capacity: no amount of waiting helps. */
  | { ok: false; never: true };

/** Float slack so that waiting exactly `waitMs` always suffices despite rounding. */
const EPSILON = 1e-9;

export class TokenBucket {
  private rate: BucketRate;
  private tokens: number;
  private updatedAt: number;

  private readonly funded: boolean;

  /** A new bucket starts full (a funded one empty); a restored one continues from its snapshot. */
  constructor(rate: BucketRate, now: number, snapshot?: BucketSnapshot, options: { funded?: boolean } = {}) {
    assertValidRate(rate);
    this.rate = { ...rate };
    this.funded = options.funded ?? false;
    if (this.funded) {
      this.tokens = 0;
      this.updatedAt = now;
    } else if (snapshot && Number.isFinite(snapshot.tokens) && Number.isFinite(snapshot.updatedAt)) {
      this.tokens = clamp(snapshot.tokens, 0, rate.burst);
      this.updatedAt = snapshot.updatedAt;
    } else {
      this.tokens = rate.burst;
      this.updatedAt = now;
    }
  }

  get capacity(): number {
    return this.rate.burst;
  }

  /** Tokens per ms. */
  get refillPerMs(): number {
    return this.rate.requests / this.rate.windowMs;
  }

  /** The level at `now` (advances the bucket's clock). */
  level(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  tryTake(cost: number, now: number): TakeResult {
    assertValidCost(cost);
    if (cost > this.rate.burst) return { ok: false, never: true };
    this.refill(now);
    if (this.tokens + EPSILON >= cost) {
      this.tokens = Math.max(0, this.tokens - cost);
      return { ok: true, remaining: this.tokens };
    }
    return { ok: false, never: false, waitMs: Math.ceil((cost - this.tokens) / this.refillPerMs) };
  }

  /** Gives back tokens taken for work that never ran (rejected after the take). Never overfills. */
  refund(cost: number, now: number): void {
    assertValidCost(cost);
    this.refill(now);
    this.tokens = Math.min(this.rate.burst, this.tokens + cost);
  }

  /** A funded bucket receives leased tokens (up to its capacity: the rest is not accepted); returns how many it took. */
  fund(tokens: number, now: number): number {
    assertValidCost(tokens);
    this.refill(now);
    const taken = Math.min(tokens, this.rate.burst - this.tokens);
    this.tokens += Math.max(0, taken);
    return Math.max(0, taken);
  }

  /** Takes out up to `max` whole tokens (to give back to whoever funded the bucket); returns how many. */
  withdraw(max: number, now: number): number {
    this.refill(now);
    const out = Math.max(0, Math.min(Math.floor(this.tokens + EPSILON), Math.floor(max)));
    this.tokens = Math.max(0, this.tokens - out);
    return out;
  }

  /** A new rate applies from `now`: the time before it refilled at the old rate. */
  reconfigure(rate: BucketRate, now: number): void {
    assertValidRate(rate);
    this.refill(now);
    this.rate = { ...rate };
    this.tokens = Math.min(this.tokens, rate.burst);
  }

  snapshot(): BucketSnapshot {
    return { tokens: this.tokens, updatedAt: this.updatedAt };
  }

  /** The numbers behind the IETF RateLimit / RateLimit-Policy headers. */
  info(now: number): RateLimitInfo {
    const tokens = this.level(now);
    return {
      quota: this.rate.burst,
      windowSeconds: Math.ceil(this.rate.windowMs / 1000),
      remaining: Math.floor(tokens + EPSILON),
      resetSeconds: Math.max(0, Math.ceil((this.rate.burst - tokens) / this.refillPerMs / 1000 - EPSILON)),
    };
  }

  private refill(now: number): void {
    if (now <= this.updatedAt) return;
    if (this.funded) {
      this.updatedAt = now;
      return;
    }
    this.tokens = Math.min(this.rate.burst, this.tokens + (now - this.updatedAt) * this.refillPerMs);
    this.updatedAt = now;
  }
}

function assertValidRate(rate: BucketRate): void {
  for (const key of ["requests", "windowMs", "burst"] as const) {
    if (!Number.isFinite(rate[key]) || rate[key] <= 0) throw new RangeError(`rateLimit.${key} must be a positive number, got ${rate[key]}`);
  }
}

function assertValidCost(cost: number): void {
  if (!Number.isFinite(cost) || cost < 0) throw new RangeError(`cost must be a finite number >= 0, got ${cost}`);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
