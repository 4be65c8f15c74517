/**
 * The contract between a tenant's root controller, its shard controllers and the Worker
 * (DESIGN.md section 7, "Shards"). Plain types only, shared by the Worker, the DO and the pure
 * algorithms.
 */
import type { IsolateLease, LoadLevel, Quota, RateLimitInfo, ReleaseReport } from "./admission";

/** One shard controller as the Worker may address it. */
export interface ShardEntry {
  /** Its Durable Object name, `"<tenant>#<i>"`. */
  id: string;
  /** Its share of the tenant's slots when the map was published (any positive scale); `weighted` reads it. */
  weight: number;
}

/**
 * Who serves a tenant now. K = 1: the root alone (`shards` is empty), as before sharding.
 * The Worker caches it per isolate and learns a newer one from the answers it already gets.
 */
export interface ShardMap {
  /** Bumped whenever K, the weights or the health map change. */
  version: number;
  /** How many controllers serve the tenant. */
  k: number;
  shards: ShardEntry[];
  /** Shards the root's last probe found failing: the Worker leaves them out. */
  unhealthy: string[];
}

/** A shard renewing its capacity lease with its root (Doorman-style). */
export interface ShardLeaseRequest {
  /** The shard's index i in `"<tenant>#<i>"`. */
  index: number;
  /** The lease being renewed (absent on the first call or after one lapsed). */
  leaseId?: string;
  /**
   * Slots the shard may fill until the answer arrives (its current cap): the new lease covers
   * them, so a lease shrinks only after the shard has lowered its cap (a later renewal).
   */
  heldSlots: number;
  /** Tokens still in the shard's wallet after `returnedTokens` left it. */
  walletTokens: number;
  /** Tokens the shard takes out of its wallet and gives back with this call. */
  returnedTokens: number;
  /** Acquires per second the shard received lately. */
  demandRps: number;
  /** Controller calls per second the shard served lately (acquire, release, renew). */
  callsPerSec: number;
  /** Latency samples of released requests, for the root's limiter. */
  samples: ReleaseReport[];
}

/** The root's answer to a shard. */
export interface ShardLeaseGrant {
  /** Tokens to add to the wallet and slots reserved for the shard until `expiresAt`; none when retired. */
  lease: IsolateLease | undefined;
  /** The cap the root wants the shard to move to (at most `lease.slots`; the shard lowers to it as its work ends). */
  targetSlots: number;
  quota: Quota;
  loadLevel: LoadLevel;
  rateLimit: RateLimitInfo;
  shardMap: ShardMap;
  /** The shard is no longer part of the map: it gives its tokens back and serves nothing new. */
  retired: boolean;
}

/** What the root publishes about its shards in the admission state document. */
export interface ShardingState {
  /** How many controllers serve the tenant now (1: the root alone). */
  k: number;
  mapVersion: number;
  /** The Worker's calls per second to the tenant's controllers, each counted once (not the shards' renewals to the root, nor an acquire a shard sent on). */
  callsPerSec: number;
  /** The busiest shard's calls per second, as it last reported them. */
  busiestShardCallsPerSec: number;
  /**
   * Holt's forecast of the demand K is scaled on: the root's own calls plus the shards' calls
   * counted as if every shard were as busy as the busiest (never less than their sum).
   */
  forecastPerSec: number;
  targetRps: number;
  /** Per shard: the capacity it holds from the root, its demand and the root's last probe. */
  shards: Array<{ id: string; tokens: number; slots: number; demandRps: number; healthy: boolean; retiring: boolean }>;
  /** Totals leased to shards (slots count in the root's in flight; tokens left the root's bucket). */
  leased: { tokens: number; slots: number };
  lastProbeAt: number | null;
}

/** A shard's own view, in its state document. */
export interface ShardRoleState {
  index: number;
  root: string;
  walletTokens: number;
  cap: number;
  retired: boolean;
  leaseExpiresAt: number | null;
}
