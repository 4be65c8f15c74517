import type { ShardId } from "./balancer";

/**
 * Calls this isolate has started to each shard and not yet seen end. Shard names are reused
 * as K grows and shrinks ("<tenant>#<i>"), so the map stays as small as the largest K.
 */
export class InFlightCounts {
  private readonly counts = new Map<ShardId, number>();

  of(shard: ShardId): number {
    return this.counts.get(shard) ?? 0;
  }

  start(shard: ShardId): void {
    this.counts.set(shard, this.of(shard) + 1);
  }

  /** Never below zero: an end without a start (say, after a restart of the tracker) is ignored. */
  end(shard: ShardId): void {
    const count = this.of(shard);
    if (count <= 1) this.counts.delete(shard);
    else this.counts.set(shard, count - 1);
  }
}
