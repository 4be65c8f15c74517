import type { Balancer, CallOutcome, ShardCandidate, ShardId } from "./balancer";

/**
 * Each shard in turn, in the order of the candidate list. The balancer remembers the shard it
 * picked last rather than a counter, so when the set changes (a shard ejected, K doubled) it
 * carries on with that shard's successor instead of jumping: no shard is picked twice in a row
 * while another candidate waits.
 */
export class RoundRobinBalancer implements Balancer {
  private last: ShardId | undefined;
  /** Where `last` stood in the list; if it leaves the set, the shard now in its place comes next. */
  private lastIndex = -1;

  pick(candidates: readonly ShardCandidate[], _now: number, _random: () => number): ShardId | undefined {
    const at = candidates.findIndex((candidate) => candidate.id === this.last);
    const index = at >= 0 ? (at + 1) % candidates.length : Math.max(this.lastIndex, 0) % candidates.length;
    const chosen = candidates[index];
    // Only an empty set has no candidate here (the index is NaN): nothing to pick, nothing to remember.
    if (chosen === undefined) return undefined;
    this.last = chosen.id;
    this.lastIndex = index;
    return chosen.id;
  }

  onStart(_shard: ShardId, _now: number): void {}

  onEnd(_shard: ShardId, _outcome: CallOutcome, _now: number): void {}
}
