import type { Balancer, CallOutcome, ShardCandidate, ShardId } from "./balancer";
import { InFlightCounts } from "./in-flight";
import { fadedLatency, observeLatency, type LatencyEstimate } from "./peak-ewma";
import { randomIndex } from "./random-index";

export interface AdaptiveOptions {
  /** Time constant of the latency estimate (Finagle's default decay time is 10 s). */
  decayMs: number;
  /** Costs within this ratio of each other are a tie (see below); 1 compares them exactly. */
  tieRatio: number;
}

export const DEFAULT_ADAPTIVE: AdaptiveOptions = { decayMs: 10_000, tieRatio: 1.25 };

/** Half-life of the recent-picks count that breaks ties. */
const PICKS_HALF_LIFE_MS = 1000;

/**
 * Power of two random choices over cost = peak-EWMA latency x (in flight + 1), Finagle's
 * P2C + PeakEWMA: sample two distinct candidates, keep the cheaper. Two choices avoid the herd
 * that "always the cheapest" causes when many isolates act on the same stale view, yet steer
 * almost all traffic away from a slow or busy shard. A shard never heard from is costed like
 * its peers (the median of their estimates), so it is neither flooded nor starved when K grows.
 *
 * Two costs within `tieRatio` of each other are a tie, and a tie goes to the shard this isolate
 * picked less lately. Shards alike (one kind of controller, one kind of thread) differ in their
 * estimates by noise, and exact comparison then gave whichever read lowest for a while every
 * pair it was drawn in: 2/K of the calls, twice its share (a hot tenant's busiest shard at 2.4x
 * the target while the average sat near it). A shard slower by more than the ratio still loses
 * every comparison it is in.
 */
export class AdaptiveBalancer implements Balancer {
  private readonly inFlight = new InFlightCounts();
  private readonly estimates = new Map<ShardId, LatencyEstimate>();
  /** Each shard's picks, halving every PICKS_HALF_LIFE_MS. */
  private readonly picks = new Map<ShardId, { count: number; at: number }>();

  private readonly options: AdaptiveOptions;

  constructor(options: Partial<AdaptiveOptions> = {}) {
    this.options = { ...DEFAULT_ADAPTIVE, ...options };
  }

  pick(candidates: readonly ShardCandidate[], now: number, random: () => number): ShardId | undefined {
    const [first, second] = sampleTwo(candidates, random);
    if (first === undefined || second === undefined) return this.picked(first, now);
    const a = this.costOf(first, candidates, now);
    const b = this.costOf(second, candidates, now);
    const tied = Math.max(a, b) <= this.options.tieRatio * Math.min(a, b);
    if (!tied) return this.picked(b < a ? second : first, now);
    return this.picked(this.recentPicks(second, now) < this.recentPicks(first, now) ? second : first, now);
  }

  /** How often this isolate picked `shard` lately (decayed; for tie-breaks and tests). */
  recentPicks(shard: ShardId, now: number): number {
    const entry = this.picks.get(shard);
    return entry === undefined ? 0 : entry.count * 2 ** (-Math.max(0, now - entry.at) / PICKS_HALF_LIFE_MS);
  }

  private picked(shard: ShardId | undefined, now: number): ShardId | undefined {
    if (shard !== undefined) this.picks.set(shard, { count: this.recentPicks(shard, now) + 1, at: now });
    return shard;
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
