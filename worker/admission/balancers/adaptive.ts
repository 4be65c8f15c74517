import type { Balancer, CallOutcome, ShardCandidate, ShardId } from "./balancer";
import { InFlightCounts } from "./in-flight";
import { fadedLatency, observeLatency, type LatencyEstimate } from "./peak-ewma";
import { randomIndex } from "./random-index";

export interface AdaptiveOptions {
  /** Time constant of the latency estimate (Finagle's default decay time is 10 s). */
  decayMs: number;
}

export const DEFAULT_ADAPTIVE: AdaptiveOptions = { decayMs: 10_000 };

/**
 * Power of two random choices over cost = peak-EWMA latency x (in flight + 1), Finagle's
 * P2C + PeakEWMA: sample two distinct candidates, keep the cheaper. Two choices avoid the herd
 * that "always the cheapest" causes when many isolates act on the same stale view, yet steer
 * almost all traffic away from a slow or busy shard. A shard never heard from is costed like
 * its peers (the median of their estimates), so it is neither flooded nor starved when K grows.
 */
export class AdaptiveBalancer implements Balancer {
  private readonly inFlight = new InFlightCounts();
  private readonly estimates = new Map<ShardId, LatencyEstimate>();

  constructor(private readonly options: AdaptiveOptions = DEFAULT_ADAPTIVE) {}

  pick(candidates: readonly ShardCandidate[], now: number, random: () => number): ShardId | undefined {
    const [first, second] = sampleTwo(candidates, random);
    if (first === undefined || second === undefined) return first;
    return this.costOf(second, candidates, now) < this.costOf(first, candidates, now) ? second : first;
  }

  onStart(shard: ShardId, _now: number): void {
    this.inFlight.start(shard);
  }

  onEnd(shard: ShardId, outcome: CallOutcome, now: number): void {
    this.inFlight.end(shard);
    const previous = this.estimates.get(shard);
    // A shard that fails fast must not look fast: a failure never lowers the estimate.
    const sample = outcome.ok ? outcome.latencyMs : Math.max(outcome.latencyMs, previous?.latencyMs ?? 0);
    this.estimates.set(shard, observeLatency(previous, sample, now, this.options.decayMs));
  }

  /** The cost `pick` compares for `shard` among `candidates` (for tests and the state document). */
  costOf(shard: ShardId, candidates: readonly ShardCandidate[], now: number): number {
    const estimate = this.estimates.get(shard);
    const neutral = this.neutralLatency(candidates, shard);
    const latency = estimate === undefined ? neutral : fadedLatency(estimate, neutral, now, this.options.decayMs);
    return latency * (this.inFlight.of(shard) + 1);
  }

  /**
   * What the other candidates cost (the median of their estimates), so a shard without recent
   * samples is judged against its peers rather than against its own old slowness; 1 when no
   * peer is known, since then only in-flight counts tell the shards apart.
   */
  private neutralLatency(candidates: readonly ShardCandidate[], except: ShardId): number {
    const known = candidates
      .filter(({ id }) => id !== except)
      .map(({ id }) => this.estimates.get(id)?.latencyMs)
      .filter((latency): latency is number => latency !== undefined)
      .sort((a, b) => a - b);
    if (known.length === 0) return 1;
    const middle = known.length / 2;
    return Number.isInteger(middle) ? ((known[middle - 1] ?? 0) + (known[middle] ?? 0)) / 2 : (known[Math.floor(middle)] ?? 1);
  }
}

/** Two distinct candidates drawn uniformly (one when there is only one). */
function sampleTwo(candidates: readonly ShardCandidate[], random: () => number): [ShardId | undefined, ShardId | undefined] {
  if (candidates.length < 2) return [candidates[0]?.id, undefined];
  const i = randomIndex(random, candidates.length);
  let j = randomIndex(random, candidates.length - 1);
  if (j >= i) j++;
  return [candidates[i]?.id, candidates[j]?.id];
}
