import type { Balancer, CallOutcome, ShardCandidate, ShardId } from "./balancer";
import { InFlightCounts } from "./in-flight";
import { randomIndex } from "./random-index";

/**
 * The shard with the fewest calls in flight from this isolate; ties broken at random so that
 * many isolates starting from zero do not all pile onto the first shard. It only sees its own
 * isolate's calls, which is what makes it cheap and also why it cannot see a shard that is
 * busy with other isolates' traffic.
 */
export class LeastConnectionsBalancer implements Balancer {
  private readonly inFlight = new InFlightCounts();

  pick(candidates: readonly ShardCandidate[], _now: number, random: () => number): ShardId | undefined {
    let fewest = Infinity;
    let tied: ShardId[] = [];
    for (const { id } of candidates) {
      const count = this.inFlight.of(id);
      if (count < fewest) {
        fewest = count;
        tied = [id];
      } else if (count === fewest) {
        tied.push(id);
      }
    }
    return tied.length === 0 ? undefined : tied[randomIndex(random, tied.length)];
  }

  onStart(shard: ShardId, _now: number): void {
    this.inFlight.start(shard);
  }

  onEnd(shard: ShardId, _outcome: CallOutcome, _now: number): void {
    this.inFlight.end(shard);
  }

  /** Calls in flight to `shard` as this isolate sees them (for tests and the state document). */
  inFlightTo(shard: ShardId): number {
    return this.inFlight.of(shard);
  }
}
