import type { LimitBounds, LimitSample, LimitSnapshot, Limit } from "../admission/limit";

/**
 * A `Limit` under the governor's cap (DESIGN.md section 8): admission sees
 * min(learned limit, cap). The inner limit keeps learning and is what is persisted, so when
 * the cap rises the tenant is back at its learned limit at once instead of re-learning it.
 */
export class CappedLimit implements Limit {
  private capValue: number | undefined;

  constructor(private readonly inner: Limit) {}

  get algorithm(): Limit["algorithm"] {
    return this.inner.algorithm;
  }

  get current(): number {
    return this.capped(this.inner.current);
  }

  get settled(): number {
    return this.capped(this.inner.settled);
  }

  /** The limit learned without the cap. */
  get learned(): number {
    return this.inner.current;
  }

  get cap(): number | undefined {
    return this.capValue;
  }

  /** A whole number >= 1, or undefined for no cap (no governor heard, or it failed). */
  setCap(cap: number | undefined): void {
    this.capValue = cap === undefined || !Number.isFinite(cap) ? undefined : Math.max(1, Math.floor(cap));
  }

  onSample(sample: LimitSample): number {
    this.inner.onSample(sample);
    return this.current;
  }

  setBounds(bounds: LimitBounds): void {
    this.inner.setBounds(bounds);
  }

  snapshot(): LimitSnapshot {
    return this.inner.snapshot();
  }

  private capped(limit: number): number {
    return this.capValue === undefined ? limit : Math.min(limit, this.capValue);
  }

  /** The same cap over another limit (the quota switched algorithms). */
  over(inner: Limit): CappedLimit {
    const next = new CappedLimit(inner);
    next.capValue = this.capValue;
    return next;
  }
}
