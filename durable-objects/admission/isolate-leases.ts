import type { IsolateLease, LeaseUsage } from "../contracts/admission";
import { finite } from "./finite";

/**
 * Budget leased to Worker isolates (DESIGN.md section 7, "Leases"): while a tenant's
 * controller is at load `normal` with headroom, an isolate may hold some of the tenant's
 * tokens and slots for a short TTL and admit requests itself, with no round trip. The
 * controller debits the tokens from its bucket and counts the slots as in flight when it
 * grants, so a lease can never admit more than the budget it was carved from.
 *
 * - Sizing: the next LEASE_HORIZON_MS of the isolate's reported demand, at most
 *   1/LEASE_FRACTION of the tokens in the bucket, and of the slots under the limit a share
 *   that shrinks with the leases already out: three quarters of them with none, 3/8 beside
 *   one, 3/(4(n+1)) beside n (or one slot of two free). Each renewal re-sizes (a renewing
 *   isolate's running requests count inside its new lease), so n isolates settle near
 *   3·limit/(7n-3) each: three quarters of the limit for one, six elevenths in all for two,
 *   about three sevenths in all for many, and requests without a lease (another isolate's,
 *   critical ones, a newcomer's first) still find slots at the controller.
 * - Renewal: the isolate reports the tokens it used and the requests it still runs; unused
 *   tokens go back to the bucket, and the new lease (if the controller is still `normal`)
 *   covers at least the requests still running. Without a new lease, a drain lease of just
 *   those slots and no tokens stays until they end, so the limit never loses sight of them.
 * - Expiry: a lease not renewed within its TTL (its isolate died or lost the controller) is
 *   reclaimed: its slots come back, its unreported tokens do not (they may have been used).
 * Pure: time is an argument; the caller debits and refunds its own bucket.
 */

export const LEASE_TTL_MS = 1000;
/** A lease carries about this much of the isolate's demand. */
export const LEASE_HORIZON_MS = 250;
/** ...and never more than 1/LEASE_FRACTION of the free tokens. */
export const LEASE_FRACTION = 8;


export interface LeaseOffer {
  tokens: number;
  slots: number;
}

/**
 * What the lease would be, given the free budget and how many other leases are out (`holders`);
 * undefined when it would be too small to be worth it.
 */
export function sizeLease(demandRps: number, freeTokens: number, freeSlots: number, costPerRequest = 1, holders = 0): LeaseOffer | undefined {
  if (!(demandRps > 0)) return undefined;
  const wanted = Math.ceil((demandRps * LEASE_HORIZON_MS) / 1000);
  const tokens = Math.min(wanted * costPerRequest, Math.floor(freeTokens / LEASE_FRACTION));
  // An isolate whose lease is a few slots short of its bursts makes every request past them
  // wait for a slot or ask the controller, a round trip each; a lone isolate gets three quarters
  // of the free slots, the last quarter kept for newcomers and critical requests. One slot while
  // two are free: a shard holds a few of the tenant's slots, and a share of a handful rounds to
  // nothing. Tokens keep the plain fraction: a bucket's last few tokens stay with the controller.
  const slotShare = Math.floor((3 * freeSlots) / (4 * (Math.max(0, Math.floor(holders)) + 1)));
  const slots = Math.min(wanted, Math.max(freeSlots >= 2 ? 1 : 0, slotShare));
  if (tokens < costPerRequest || slots < 1) return undefined;
  return { tokens, slots };
}

export class IsolateLeaseLedger {
  /**
   * Each lease, with the requests its isolate last reported running under it (0 for a new one)
   * and the slots it must go on counting beyond the lease's own (`cover`): requests the isolate
   * admitted under its previous, larger lease that may still run.
   */
  private readonly leases = new Map<string, { lease: IsolateLease; running: number; cover: number; waiting: number }>();

  /** `ttlMs`: how long a lease lasts unrenewed (a shard controller's capacity lease uses the same ledger with its own TTL). */
  constructor(
    private readonly newId: () => string = () => crypto.randomUUID(),
    private readonly ttlMs: number = LEASE_TTL_MS,
  ) {}

  /** Slots held by every lease (its own, or what it covers if more): the controller counts them as in flight. */
  get heldSlots(): number {
    let slots = 0;
    for (const entry of this.leases.values()) slots += heldBy(entry);
    return slots;
  }

  /** Slots held by leases that their isolates reported running: the rest are parked, not load. */
  get runningSlots(): number {
    let slots = 0;
    for (const { running } of this.leases.values()) slots += running;
    return slots;
  }

  /** Tokens handed out and not yet reported back. */
  get heldTokens(): number {
    let tokens = 0;
    for (const { lease } of this.leases.values()) tokens += lease.tokens;
    return tokens;
  }

  get active(): number {
    return this.leases.size;
  }

  get(id: string): IsolateLease | undefined {
    return this.leases.get(id)?.lease;
  }

  /**
   * Records a lease whose tokens the caller has already taken from its bucket; `running` of its
   * slots are in use already. `cover`: slots counted as held until the next renewal even if the
   * lease has fewer, for requests admitted under the lease it replaces: a lease may shrink (the
   * limit fell) while they run, and the isolate admits no more until they are under the new one.
   */
  open(offer: LeaseOffer, now: number, running = 0, cover = 0): IsolateLease {
    const lease: IsolateLease = { id: this.newId(), tokens: offer.tokens, slots: offer.slots, expiresAt: now + this.ttlMs, ttlMs: this.ttlMs };
    const covered = Math.max(0, Math.floor(finite(cover)));
    this.leases.set(lease.id, { lease, cover: covered, running: Math.min(Math.max(lease.slots, covered), Math.max(0, finite(running))), waiting: 0 });
    return lease;
  }

  /** Requests the lease's isolate reported waiting for one of its slots (at its last renewal's peak): demand it could not run. */
  noteWaiting(id: string, waiting: number): void {
    const entry = this.leases.get(id);
    if (entry) entry.waiting = Math.max(0, Math.floor(finite(waiting)));
  }

  /** Requests waiting in isolates for a slot of their leases, as last reported. */
  get waitingRequests(): number {
    let waiting = 0;
    for (const entry of this.leases.values()) waiting += entry.waiting;
    return waiting;
  }

  /**
   * Ends a lease at renewal. Returns the tokens to give back to the bucket and the requests
   * still running under it, which the next lease (or a drain lease) must cover; undefined when
   * the lease is unknown (already reclaimed: its slots came back at expiry).
   */
  close(id: string, usage: LeaseUsage): { unusedTokens: number; stillRunning: number } | undefined {
    const entry = this.leases.get(id);
    if (!entry) return undefined;
    this.leases.delete(id);
    const used = Math.min(entry.lease.tokens, Math.max(0, usage.usedTokens));
    return { unusedTokens: entry.lease.tokens - used, stillRunning: Math.min(heldBy(entry), Math.max(0, Math.floor(usage.inflight))) };
  }

  /** Reclaims leases past their TTL (their slots are free again); returns how many. */
  expire(now: number): number {
    let reclaimed = 0;
    for (const [id, { lease }] of this.leases) {
      if (lease.expiresAt > now) continue;
      this.leases.delete(id);
      reclaimed++;
    }
    return reclaimed;
  }

  nextExpiry(): number | undefined {
    let earliest: number | undefined;
    for (const { lease } of this.leases.values()) if (earliest === undefined || lease.expiresAt < earliest) earliest = lease.expiresAt;
    return earliest;
  }

  /** Every lease ends now (a quota change): slots come back, unreported tokens stay spent. */
  clear(): void {
    this.leases.clear();
  }
}

function heldBy(entry: { lease: IsolateLease; cover: number }): number {
  return Math.max(entry.lease.slots, entry.cover);
}
