import { finite } from "./finite";
/**
 * How a tenant's root controller splits its budget between its shard controllers (DESIGN.md
 * section 7, "Shards"): Doorman-style capacity leases, sized by demand. Pure: no Workers API.
 *
 * - Tokens move one way: a shard's renewal takes its grant out of the root's one refilling
 *   bucket into the shard's wallet (a bucket that never refills by itself), so everything the
 *   shards admit together was let out by the root's bucket: at most burst + rate x t, whatever
 *   K is. A shard gives tokens back explicitly (when its share shrinks, or it retires).
 * - A grant tops the wallet up to the next SHARD_HORIZON_MS of the shard's demand, and never
 *   takes more than the shard's share (its demand over all shards' demand) of what the root's
 *   bucket holds now, so one busy shard cannot drain the bucket before the others renew.
 * - Slots are reserved: a shard's lease counts in the root's in flight until it ends, and a
 *   new lease only takes free slots. Its size follows the shard's share of the root's limit;
 *   it never drops below the slots the shard may be filling while the answer travels
 *   (`mustCover`), so the shard lowers its cap first (to `targetSlots`) and the root frees the
 *   difference at the next renewal. Sum of leases + the root's own grants <= limit.
 * - A share under one slot still gets one while the limit has room for it beside the other
 *   shards' slots; past that, none (and no tokens it could not use), and the shard sends its
 *   requests on to the root, so a tenant with more shards than slots stays under its limit.
 */

/** A shard's lease lapses this long after its last renewal (the shard renews at half of it). */
export const SHARD_LEASE_TTL_MS = 2000;
/** A grant tops a shard's wallet up to about this much of its demand. */
export const SHARD_HORIZON_MS = 500;
/** ...and to at least this many requests' worth, so a shard that just started does not renew per request. */
export const MIN_SHARD_GRANT_REQUESTS = 4;

export interface ShardBudgetInput {
  /** Acquires per second this shard reported. */
  demandRps: number;
  /** The same summed over every live shard, this one included. */
  totalDemandRps: number;
  /** Shards in the map (K). */
  liveShards: number;
  /** Tokens still in the shard's wallet. */
  walletTokens: number;
  /** Tokens in the root's bucket now. */
  freeTokens: number;
  /** The root's concurrency limit. */
  limit: number;
  /** limit - in flight at the root, this shard's previous lease already closed. */
  freeSlots: number;
  /** Slots the shard may be filling until it hears back. */
  mustCover: number;
  /** Slots the other shards' leases hold now; absent, none. */
  otherShardSlots?: number;
  /** Tokens a typical request costs (1 unless routes are priced higher). */
  costPerRequest?: number;
}

export interface ShardBudget {
  /** Tokens to move from the root's bucket into the shard's wallet now. */
  tokens: number;
  /** Slots reserved for the shard by this lease. */
  slots: number;
  /** The cap the shard should move to as its work ends (<= slots). */
  targetSlots: number;
}

/** The shard's share of the tenant's demand, in [0, 1]; an even split while nobody reports demand. */
export function demandShare(demandRps: number, totalDemandRps: number, liveShards: number): number {
  const demand = Math.max(0, finite(demandRps));
  const total = Math.max(demand, finite(totalDemandRps));
  if (total > 0) return demand / total;
  return 1 / Math.max(1, Math.floor(finite(liveShards)) || 1);
}

export function sizeShardLease(input: ShardBudgetInput): ShardBudget {
  const cost = Math.max(1, finite(input.costPerRequest ?? 1));
  const share = demandShare(input.demandRps, input.totalDemandRps, input.liveShards);
  const freeTokens = Math.max(0, Math.floor(finite(input.freeTokens)));
  // A shard that reports no demand (it went quiet) gets no tokens and keeps only the slots still in use.
  if (!(finite(input.demandRps) > 0)) {
    const covered = Math.max(0, Math.floor(finite(input.mustCover)));
    return { tokens: 0, slots: covered, targetSlots: 0 };
  }
  const mustCover = Math.max(0, Math.floor(finite(input.mustCover)));
  const limit = Math.max(0, Math.floor(finite(input.limit)));
  const others = Math.max(0, Math.floor(finite(input.otherShardSlots ?? 0)));
  const floor = others + 1 <= limit ? 1 : 0;
  const targetSlots = Math.max(floor, Math.floor(limit * share));
  const freeSlots = Math.max(0, Math.floor(finite(input.freeSlots)));
  const slots = Math.max(mustCover, Math.min(targetSlots, freeSlots));

  // A shard told to hold no slot gets no tokens (they would sit in its wallet); one that only
  // found the slots taken this time still does, and gets slots at a later renewal.
  const wanted = Math.max(Math.ceil((Math.max(0, finite(input.demandRps)) * SHARD_HORIZON_MS) / 1000), MIN_SHARD_GRANT_REQUESTS) * cost;
  const topUp = targetSlots > 0 ? Math.max(0, wanted - Math.max(0, finite(input.walletTokens))) : 0;
  const tokens = Math.min(topUp, Math.floor(freeTokens * share), freeTokens);
  return { tokens: Math.max(0, tokens), slots, targetSlots: Math.min(targetSlots, slots) };
}
