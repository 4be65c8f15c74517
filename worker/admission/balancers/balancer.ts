import type { Config } from "../../config";

/**
 * What the Worker needs to choose one of a tenant's K shard controllers per request. Pure: no
 * Workers API; the clock and randomness are passed in so every algorithm is testable without a
 * server (as in Netflix's concurrency-limits and Finagle's balancers).
 */

/** A shard controller's name, `"<tenant>#<i>"` (its Durable Object name). */
export type ShardId = string;

/** A shard that may be chosen, as the current shard map describes it. */
export interface ShardCandidate {
  readonly id: ShardId;
  /** The shard's share of the tenant's budget (any positive scale); only `weighted` reads it. */
  readonly weight: number;
}

/** How one call to a shard went, as the caller measured it. */
export interface CallOutcome {
  readonly latencyMs: number;
  /** False when the call threw or answered with an error. */
  readonly ok: boolean;
}

export type LoadBalancerAlgorithm = Config["loadBalancerAlgorithm"];

/**
 * One instance per tenant per isolate. `pick` gets the shards that may be chosen now (the
 * healthy part of the current shard map, whose size changes with autoscaling); `onStart` and
 * `onEnd` bracket every call the isolate makes to a shard, picked by this balancer or not
 * (a failover retry is a call too), so load-aware algorithms see what is in flight.
 */
export interface Balancer {
  /** One of `candidates`, or undefined when there are none. */
  pick(candidates: readonly ShardCandidate[], now: number, random: () => number): ShardId | undefined;
  onStart(shard: ShardId, now: number): void;
  onEnd(shard: ShardId, outcome: CallOutcome, now: number): void;
}
