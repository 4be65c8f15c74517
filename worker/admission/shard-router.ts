import type { ShardEntry, ShardMap } from "../../durable-objects/contracts/shards";
import type { Balancer, CallOutcome, LoadBalancerAlgorithm, ShardCandidate } from "./balancers/balancer";
import { createBalancer } from "./balancers/create-balancer";
import { ShardHealth } from "./balancers/shard-health";

/**
 * Which of a tenant's controllers this isolate asks (DESIGN.md section 7): the one small
 * interface over the LOAD_BALANCER_ALGORITHM balancers and the isolate's shard health.
 * - K = 1 (or no fresh map): the root, with no extra hop.
 * - K > 1: a shard picked by the balancer among those neither the root's health map nor this
 *   isolate's own ejections (HEALTH_CHECK_INTERVAL ms after a call threw or answered too
 *   late) leave out.
 * - Failover, once per request: another healthy shard, else the root, which can always serve.
 * Pure: time and randomness are arguments; one router per tenant per isolate.
 */

export interface ShardRouterOptions {
  algorithm: LoadBalancerAlgorithm;
  /** HEALTH_CHECK_INTERVAL: how long a failing shard is left out. */
  ejectForMs: number;
  /** A call whose own time (queue wait excluded) passes this counts as failing. */
  slowCallMs: number;
}

export class ShardRouter {
  private readonly balancer: Balancer;
  private readonly health: ShardHealth;

  constructor(
    /** The root's name (the tenant id). */
    readonly root: string,
    options: ShardRouterOptions,
  ) {
    this.balancer = createBalancer(options.algorithm);
    this.health = new ShardHealth({ ejectForMs: options.ejectForMs, timeoutMs: options.slowCallMs });
  }

  /** The controller to ask first. */
  choose(map: ShardMap | undefined, now: number, random: () => number): string {
    const candidates = this.candidates(map, now);
    if (candidates.length === 0) return this.root;
    return this.balancer.pick(candidates, now, random) ?? this.root;
  }

  /** Where to retry after `failed` threw or could not serve; undefined when the root itself failed and no shard is left. */
  failover(map: ShardMap | undefined, failed: string, now: number, random: () => number): string | undefined {
    const shards = this.published(map);
    const other = this.health.failoverTarget(shards, failed, now, random);
    if (other) return other.id;
    return failed === this.root ? undefined : this.root;
  }

  /** Brackets every call to a controller, so load-aware balancers and health see it. */
  started(target: string, now: number): void {
    this.balancer.onStart(target, now);
  }

  ended(target: string, outcome: CallOutcome, now: number): void {
    this.balancer.onEnd(target, outcome, now);
    if (target !== this.root) this.health.record(target, outcome, now);
  }

  isEjected(target: string, now: number): boolean {
    return this.health.isEjected(target, now);
  }

  /** The map's shards minus those the root found failing (all of them if that leaves none). */
  private published(map: ShardMap | undefined): ShardEntry[] {
    if (!map || map.k <= 1) return [];
    const unhealthy = new Set(map.unhealthy);
    const up = map.shards.filter(({ id }) => !unhealthy.has(id));
    return up.length > 0 ? up : map.shards;
  }

  private candidates(map: ShardMap | undefined, now: number): ShardCandidate[] {
    return this.health.healthy(this.published(map), now);
  }
}
