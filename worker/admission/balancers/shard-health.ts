import type { CallOutcome, ShardId } from "./balancer";
import { randomIndex } from "./random-index";

export interface ShardHealthOptions {
  /** How long a failing shard is left out (HEALTH_CHECK_INTERVAL). */
  ejectForMs: number;
  /** A call slower than this counts as a failure even if it answered. */
  timeoutMs: number;
}

/**
 * This isolate's view of which shards to avoid: a shard whose call throws (for example
 * "Durable Object is overloaded") or answers later than `timeoutMs` is ejected for
 * `ejectForMs`, and the request fails over once to another shard (acquire is safe to retry).
 * Ejection simply expires; the shard is then tried again and ejected again if still failing.
 */
export class ShardHealth {
  private readonly ejectedUntil = new Map<ShardId, number>();

  constructor(private readonly options: ShardHealthOptions) {}

  record(shard: ShardId, outcome: CallOutcome, now: number): void {
    if (!outcome.ok || outcome.latencyMs > this.options.timeoutMs) this.eject(shard, now);
  }

  /** Also for shards the root's health map reports as failing. */
  eject(shard: ShardId, now: number): void {
    this.ejectedUntil.set(shard, Math.max(this.ejectedUntil.get(shard) ?? 0, now + this.options.ejectForMs));
  }

  isEjected(shard: ShardId, now: number): boolean {
    const until = this.ejectedUntil.get(shard);
    if (until === undefined) return false;
    if (now < until) return true;
    this.ejectedUntil.delete(shard);
    return false;
  }

  /**
   * The shards not ejected. If every shard is ejected, all of them: failing open to the
   * least-bad choice beats refusing every request, and an ejection may be stale or caused by
   * one slow moment while the shard itself is fine again.
   */
  healthy<S extends { readonly id: ShardId }>(shards: readonly S[], now: number): S[] {
    const healthy = shards.filter(({ id }) => !this.isEjected(id, now));
    return healthy.length > 0 ? healthy : [...shards];
  }

  /**
   * Where to send the single retry after `failed` failed: a random healthy shard other than
   * `failed`, or undefined. Unlike `healthy` this does not fail open: the retry is a second
   * chance, not worth a call to a shard already known to be failing.
   */
  failoverTarget<S extends { readonly id: ShardId }>(shards: readonly S[], failed: ShardId, now: number, random: () => number): S | undefined {
    const others = shards.filter(({ id }) => id !== failed && !this.isEjected(id, now));
    return others.length === 0 ? undefined : others[randomIndex(random, others.length)];
  }
}
