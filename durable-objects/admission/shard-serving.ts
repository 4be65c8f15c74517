import type { AcquireRequest, IsolateLease, Quota, Rejection, ReleaseReport } from "../contracts/admission";
import type { ShardLeaseGrant, ShardLeaseRequest, ShardMap, ShardRoleState } from "../contracts/shards";
import type { AcquireOutcome, AdmissionCore } from "./admission-core";

/**
 * A shard controller's side of its capacity lease (DESIGN.md section 7, shard-budget.ts): it
 * admits with an AdmissionCore whose bucket holds only tokens its root leased it and whose
 * concurrency bound is its slot share, renews in the background when half the lease's time or
 * half its grant is gone, waits for a renewal only when it holds nothing for the request at
 * hand, gives its tokens back when it goes quiet or the root retires it. Pure apart from the
 * timers it asks for: the call to the root is `renew`.
 */

/** Below this gap since the last renewal an empty wallet answers rate_limited rather than asking again. */
export const MIN_RENEW_GAP_MS = 50;
/**
 * A dry wallet whose root seemed to hold nothing for it asks again after this long anyway: the
 * root's bucket also gets tokens back that the shard cannot see (give-backs of quiet shards and
 * isolates, a raised quota).
 */
export const DRY_RECHECK_MS = 250;
/** No acquire for this long: the wallet goes back to the root (well inside the lease's TTL, so the root still takes it). */
export const QUIET_MS = 500;
/** A retired shard asks its root again at most this often (K may have grown back). */
export const RETIRED_RECHECK_MS = 1000;
/** Latency samples carried to the root per renewal. */
const MAX_SAMPLES = 64;

export type RenewShardLease = (req: ShardLeaseRequest) => Promise<ShardLeaseGrant>;

export interface ShardServingOptions {
  index: number;
  root: string;
  renew: RenewShardLease;
  /** A funded core for the given quota (its bounds already the shard's cap). */
  buildCore: (quota: Quota, now: number) => AdmissionCore;
  /** Runs `fn` after `ms` (a DO timer); the shard uses it for the quiet give-back. */
  later: (fn: () => void, ms: number) => void;
  /** Epoch ms; Date.now unless a simulation drives the clock. */
  clock?: () => number;
}

export class ShardServing {
  private core: AdmissionCore | undefined;
  private quota: Quota | undefined;
  private lease: IsolateLease | undefined;
  private receivedAt = -Infinity;
  private grantedTokens = 0;
  /** Tokens left in the root's bucket when it answered the last renewal. */
  private rootTokens = 0;
  /** Tokens' worth of requests sent to the root since then for want of a wallet. */
  private sentToRoot = 0;
  private cap = 0;
  private targetSlots = 0;
  private retired = false;
  private map: ShardMap | undefined;
  private renewing: Promise<void> | undefined;
  /** The renewal under way gives the wallet back: nothing is admitted until it is answered. */
  private givingBack = false;
  /** One quiet check pending at most. */
  private quietCheck = false;
  private lastRenewalAt = -Infinity;
  private lastArrivalAt = -Infinity;
  private samples: ReleaseReport[] = [];
  /** Arrivals and calls counted per one-second bucket (the previous one is what is reported). */
  private bucketStart = -Infinity;
  private arrivals = [0, 0];
  private calls = [0, 0];

  private readonly clock: () => number;

  constructor(private readonly options: ShardServingOptions) {
    this.clock = options.clock ?? Date.now;
  }

  get shardMap(): ShardMap | undefined {
    return this.map;
  }

  /** The core to admit with, once the shard holds a lease (undefined until its first renewal). */
  get admission(): AdmissionCore | undefined {
    return this.core;
  }

  /**
   * Before an acquire: counts it, and makes sure the shard holds budget for it (awaiting a
   * renewal only when it holds none). Returns a rejection when this shard cannot serve: it is
   * retired, or holds no slot; the Worker then asks the root. A root that cannot be reached
   * throws: the Worker fails over.
   */
  private async prepare(req: AcquireRequest, now: number): Promise<Rejection | undefined> {
    this.count(now, true);
    if (this.givingBack) await this.renewing?.catch(() => undefined);
    // A dry wallet asks again only while the root may hold tokens for it (or DRY_RECHECK_MS after
    // its last answer): when the tenant is over its rate the shard answers 429 itself rather
    // than asking its root before every refusal.
    const dry = this.core !== undefined && this.core.tokens(now) < req.cost && this.worthAsking(req.cost, now);
    const short = !this.core || this.lapsed(now) || this.cap === 0 || dry;
    const ask = this.retired ? now - this.lastRenewalAt >= RETIRED_RECHECK_MS : short && (now - this.lastRenewalAt >= MIN_RENEW_GAP_MS || this.lapsed(now));
    if (ask) await this.renewNow(now);
    else if (this.renewalDue(now)) void this.renewNow(now).catch(() => undefined);
    const core = this.core;
    if (this.retired || !core || this.cap === 0 || this.lapsed(this.clock())) return this.notServing(now);
    return undefined;
  }

  /**
   * One acquire at this shard: budget made sure of (prepare), then the dry-wallet check and
   * the core's decision together, with no await between them (requests that waited for the
   * same renewal all resume before any of them takes a token). An empty wallet is this shard's
   * share running out, not the tenant's rate, while the root still holds tokens: the root
   * answers then, so a tenant under its rate never gets a 429 from a shard.
   */
  async acquire(req: AcquireRequest, now: number): Promise<{ kind: "not_serving"; result: Rejection } | { kind: "decided"; outcome: AcquireOutcome }> {
    const refusal = await this.prepare(req, now);
    const at = Math.max(now, this.clock());
    const core = this.core;
    if (refusal || !core) return { kind: "not_serving", result: refusal ?? this.notServing(at) };
    if (core.tokens(at) < req.cost && this.rootMayHold(req.cost, at)) {
      // Counted as taken from the root's estimate, so a tenant over its rate is not all sent on.
      this.sentToRoot += req.cost;
      return { kind: "not_serving", result: this.notServing(at) };
    }
    return { kind: "decided", outcome: core.acquire(req, at) };
  }

  /** A release (or any other call) served here: counted as controller load. */
  noteCall(now: number): void {
    this.count(now, false);
  }

  /** Latency of a released request, for the root's limiter. */
  noteRelease(report: ReleaseReport): void {
    if (this.samples.length < MAX_SAMPLES) this.samples.push(report);
  }

  /** The root retired this shard: give everything back now (the root's alarm asks). */
  async surrender(now: number): Promise<void> {
    this.retired = true;
    await this.renewNow(now, true);
  }

  state(): ShardRoleState {
    const now = this.clock();
    return { index: this.options.index, root: this.options.root, walletTokens: this.core?.tokens(now) ?? 0, cap: this.cap, retired: this.retired, leaseExpiresAt: this.lease ? this.receivedAt + this.lease.ttlMs : null };
  }

  /** One renewal at a time; callers that arrive meanwhile wait for the same one. */
  renewNow(now: number, givingBack = false): Promise<void> {
    this.renewing ??= this.renew(now, givingBack).finally(() => {
      this.renewing = undefined;
      this.givingBack = false;
      this.lastRenewalAt = this.clock();
    });
    return this.renewing;
  }

  private async renew(now: number, givingBack: boolean): Promise<void> {
    const core = this.core;
    const quiet = now - this.lastArrivalAt >= QUIET_MS;
    // Tokens beyond what the root wants this shard to hold go back with the call (taken out first, so never spent twice).
    const giveBack = givingBack || quiet;
    this.givingBack = giveBack;
    const lapsed = this.lapsed(now);
    const returned = core ? core.withdrawTokens(giveBack ? Infinity : Math.max(0, core.tokens(now) - Math.max(this.grantedTokens, 1) * 2), now) : 0;
    const samples = this.samples;
    this.samples = [];
    const req: ShardLeaseRequest = {
      index: this.options.index,
      ...(this.lease ? { leaseId: this.lease.id } : {}),
      // Until the answer arrives the shard may fill its whole cap (a lapsed lease: only what still runs).
      // Giving back, it admits nothing meanwhile: only what still runs needs covering.
      heldSlots: lapsed || giveBack ? (core?.inflight ?? 0) : Math.max(this.cap, core?.inflight ?? 0),
      walletTokens: core?.tokens(now) ?? 0,
      returnedTokens: returned,
      demandRps: giveBack ? 0 : this.rate(this.arrivals, now),
      callsPerSec: this.rate(this.calls, now),
      samples,
    };
    let grant: ShardLeaseGrant;
    try {
      grant = await this.options.renew(req);
    } catch (err) {
      // The returned tokens are lost rather than spent twice: the root may or may not have them.
      this.samples = samples.concat(this.samples).slice(0, MAX_SAMPLES);
      throw err;
    }
    this.adopt(grant, this.clock());
  }

  private adopt(grant: ShardLeaseGrant, now: number): void {
    this.map = grant.shardMap;
    this.retired = grant.retired;
    this.lease = grant.lease;
    this.receivedAt = now;
    this.targetSlots = grant.targetSlots;
    this.rootTokens = grant.rateLimit.remaining;
    this.sentToRoot = 0;
    const core = this.ensureCore(grant.quota, now);
    core.spreadArrivalsOver(grant.shardMap.k);
    const slots = grant.lease?.slots ?? 0;
    // Lower to the target only as far as the work already running allows; never above the lease.
    const cap = Math.min(slots, Math.max(this.targetSlots, core.inflight));
    this.grantedTokens = core.fund(grant.lease?.tokens ?? 0, now);
    this.setCap(cap, grant.quota, now);
    if (grant.lease && !this.retired) this.checkQuietIn(QUIET_MS);
  }

  private checkQuietIn(ms: number): void {
    if (this.quietCheck) return;
    this.quietCheck = true;
    this.options.later(() => {
      this.quietCheck = false;
      this.onQuiet();
    }, ms);
  }

  private onQuiet(): void {
    const now = this.clock();
    // Given back even when it lapsed here: the root still takes it until its own TTL is over.
    if (!this.lease || this.retired) return;
    const quietFor = now - this.lastArrivalAt;
    if (quietFor < QUIET_MS || this.renewing) {
      this.checkQuietIn(Math.max(1, QUIET_MS - quietFor));
      return;
    }
    void this.renewNow(now, true).catch(() => undefined);
  }

  private ensureCore(quota: Quota, now: number): AdmissionCore {
    if (!this.core) {
      this.core = this.options.buildCore(shardQuota(quota, 1), now);
      this.quota = quota;
      this.cap = 0;
    }
    return this.core;
  }

  private setCap(cap: number, quota: Quota, now: number): void {
    if (cap === this.cap && sameQuota(quota, this.quota)) return;
    this.cap = cap;
    this.quota = quota;
    this.core?.configure(shardQuota(quota, Math.max(1, cap)), now);
  }

  /**
   * Whether the root's bucket may hold `cost` tokens for this shard: what its last grant left
   * there, plus this shard's 1/K of the refill since, minus what this shard already sent on.
   */
  private rootMayHold(cost: number, now: number): boolean {
    const quota = this.quota;
    if (!quota) return false;
    const refillPerMs = quota.rateLimit.requests / quota.rateLimit.windowMs / Math.max(1, this.map?.k ?? 1);
    return this.rootTokens + Math.max(0, now - this.receivedAt) * refillPerMs - this.sentToRoot >= cost;
  }

  /** Half the lease's time gone, or half its grant spent while asking is worth it (worthAsking). */
  private renewalDue(now: number): boolean {
    if (this.renewing || this.retired || !this.lease || !this.core) return false;
    if (now - this.receivedAt >= this.lease.ttlMs / 2) return true;
    return this.core.tokens(now) * 2 < this.grantedTokens && this.worthAsking(1, now);
  }

  /** Whether the root may have `cost` tokens for this shard, or its last answer is old enough to ask anyway. */
  private worthAsking(cost: number, now: number): boolean {
    return this.rootMayHold(cost, now) || now - this.lastRenewalAt >= DRY_RECHECK_MS;
  }

  /** The shard stops using its lease a little before the root would reclaim it. */
  private lapsed(now: number): boolean {
    return !this.lease || now >= this.receivedAt + this.lease.ttlMs - 200;
  }

  private notServing(now: number): Rejection {
    return {
      granted: false,
      reason: "shed",
      detail: "not_serving",
      retryAfterMs: 0,
      loadLevel: "normal",
      rateLimit: this.core?.rateLimit(now) ?? { quota: 0, windowSeconds: 0, remaining: 0, resetSeconds: 0 },
    };
  }

  private count(now: number, arrival: boolean): void {
    if (now - this.bucketStart >= 1000) {
      const previous = now - this.bucketStart < 2000;
      this.arrivals = [previous ? (this.arrivals[1] ?? 0) : 0, 0];
      this.calls = [previous ? (this.calls[1] ?? 0) : 0, 0];
      this.bucketStart = now - ((now - this.bucketStart) % 1000 || 0);
    }
    if (arrival) {
      this.arrivals[1] = (this.arrivals[1] ?? 0) + 1;
      this.lastArrivalAt = now;
    }
    this.calls[1] = (this.calls[1] ?? 0) + 1;
  }

  /** Per second: the previous second blended with the current one's share (as LocalLease counts demand). */
  private rate(counts: number[], now: number): number {
    const into = Math.min(1, Math.max(0, (now - this.bucketStart) / 1000));
    return (counts[0] ?? 0) * (1 - into) + (counts[1] ?? 0);
  }
}

/** The tenant's quota as one shard applies it: its concurrency bound is its slot cap. */
export function shardQuota(quota: Quota, cap: number): Quota {
  const max = Math.max(1, Math.floor(cap));
  return { ...quota, maxConcurrency: max, minConcurrency: Math.min(quota.minConcurrency, max) };
}

function sameQuota(a: Quota, b: Quota | undefined): boolean {
  return b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
