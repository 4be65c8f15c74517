import { assertValidBounds, clampLimit, decreaseForDrop, INITIAL_LIMIT, slotsWanted, wholeLimit, type AimdSnapshot, type Limit, type LimitBounds, type LimitSample } from "./limit";

/**
 * Additive increase, multiplicative decrease, per round of `limit` samples like TCP:
 * each successful sample adds 1/limit (one slot per full round), each dropped sample
 * multiplies by backoff^(1/limit) (a full round of drops multiplies by `backoff`).
 * Latency is not looked at: only drops (timeouts, 5xx, abandoned work) push back.
 * App-limited samples (fewer than half the slots in use) never grow the limit.
 */

export interface AimdOptions {
  initialLimit: number;
  backoff: number;
}

export const AIMD_DEFAULTS: Omit<AimdOptions, "initialLimit"> = { backoff: 0.9 };

export class AimdLimit implements Limit {
  readonly algorithm = "aimd" as const;
  private readonly options: AimdOptions;
  private bounds: LimitBounds;
  private estimate: number;

  constructor(bounds: LimitBounds, options: Partial<AimdOptions> = {}, snapshot?: AimdSnapshot) {
    assertValidBounds(bounds);
    this.bounds = { ...bounds };
    this.options = { ...AIMD_DEFAULTS, initialLimit: INITIAL_LIMIT, ...options };
    this.estimate = clampLimit(snapshot?.limit ?? this.options.initialLimit, bounds);
  }

  get current(): number {
    return wholeLimit(this.estimate, this.bounds);
  }

  get settled(): number {
    return this.current;
  }

  onSample(sample: LimitSample): number {
    if (sample.dropped) {
      this.estimate = clampLimit(decreaseForDrop(this.estimate, this.options.backoff), this.bounds);
    } else if (slotsWanted(sample) * 2 >= this.estimate) {
      this.estimate = clampLimit(this.estimate + 1 / this.estimate, this.bounds);
    }
    return this.current;
  }

  setBounds(bounds: LimitBounds): void {
    assertValidBounds(bounds);
    this.bounds = { ...bounds };
    this.estimate = clampLimit(this.estimate, bounds);
  }

  snapshot(): AimdSnapshot {
    return { algorithm: "aimd", limit: this.estimate };
  }
}
