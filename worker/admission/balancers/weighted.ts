import type { Balancer, CallOutcome, ShardCandidate, ShardId } from "./balancer";

/**
 * Smooth weighted round robin (nginx's `ngx_http_upstream_get_peer`): every pick adds each
 * candidate's weight to its running score, takes the highest score (first in list order on a
 * tie) and subtracts the total weight from it. With integer weights each successive run of
 * `total` picks gives every shard exactly its weight, interleaved rather than bunched (5:1:1
 * gives a a b a c a a), so no shard sees its whole share as one burst.
 */
export class WeightedBalancer implements Balancer {
  /** Kept for shards that leave the set, as nginx keeps a down peer's score, so they resume fairly. */
  private readonly scores = new Map<ShardId, number>();

  pick(candidates: readonly ShardCandidate[], _now: number, _random: () => number): ShardId | undefined {
    const weights = usableWeights(candidates);
    let total = 0;
    let best: ShardId | undefined;
    let bestScore = -Infinity;
    candidates.forEach(({ id }, i) => {
      const weight = weights[i] ?? 0;
      const score = (this.scores.get(id) ?? 0) + weight;
      this.scores.set(id, score);
      total += weight;
      if (weight > 0 && score > bestScore) {
        best = id;
        bestScore = score;
      }
    });
    if (best !== undefined) this.scores.set(best, bestScore - total);
    return best;
  }

  onStart(_shard: ShardId, _now: number): void {}

  onEnd(_shard: ShardId, _outcome: CallOutcome, _now: number): void {}
}

/**
 * A weight that is not a positive finite number counts as zero: that shard holds no budget yet.
 * If no candidate has a usable weight, all count as equal, because a request still has to go
 * somewhere and the shard map is momentarily without shares.
 */
function usableWeights(candidates: readonly ShardCandidate[]): number[] {
  const weights = candidates.map(({ weight }) => (Number.isFinite(weight) && weight > 0 ? weight : 0));
  return weights.some((weight) => weight > 0) ? weights : weights.map(() => 1);
}
