import type {
  AcquireRequest,
  AcquireResult,
  AdmissionDecision,
  AdmissionStateDocument,
  AdmissionStats,
  Grant,
  IsolateLease,
  LeaseRenewal,
  LeaseUsage,
  LoadLevel,
  Quota,
  RateLimitInfo,
  RejectDetail,
  RejectReason,
  Rejection,
  ReleaseReport,
  RequestPriority,
} from "../contracts/admission";
import { REQUEST_PRIORITIES } from "../contracts/admission";
import type { LimitSnapshot } from "./limit";
import { createLimit } from "./limit-factory";
import { CappedLimit } from "../governor/capped-limit";
import { LoadLevelTracker } from "./load-level";
import { PriorityQueue, type QueueEntry } from "./priority-queue";
import { IsolateLeaseLedger, sizeLease } from "./isolate-leases";
import { SHARD_LEASE_TTL_MS, sizeShardLease } from "./shard-budget";
import type { ShardLeaseRequest } from "../contracts/shards";
import { assertValidQuota, assertValidRequest, capPriority, limitAlgorithmOf } from "./quota-rules";
import { SaturationShedder } from "./saturation-shedder";
import { ServiceRate, type ServiceSnapshot } from "./service-rate";
import { TokenBucket, type BucketSnapshot } from "./token-bucket";
import { finite } from "./finite";

/**
 * The admission state machine for one tenant: token bucket, bounded priority queue,
 * adaptive concurrency limit, deadlines, leases and load level. Pure: time is an argument
 * (and never runs backwards inside), waiters are answered through promises, persistence is
 * the caller's job (hooks for leases, `snapshot()` + `durableVersion` for budgets).
 *
 * acquire, in order:
 *  1. deadline already passed                     -> deadline (expired)
 *     the thread is saturated and the shedder     -> shed (saturated); never critical, and
 *     picks this priority                            before any token is taken
 *  2. bucket: cost > burst                         -> rate_limited (cost_exceeds_burst)
 *             not enough tokens                    -> rate_limited, Retry-After = exact wait
 *  3. a slot is free and nobody waits              -> grant
 *  4. overloaded and priority low                  -> shed (low work is shed rather than queued
 *                                                     while the queue is standing)
 *  5. measured service time says it would finish   -> deadline (predicted_wait)
 *     after its deadline: wait(position) + S > remaining, position = waiters of its class and above + 1
 *  6. queue full, nobody lower to evict            -> queue_full; else the evicted waiter gets queue_full
 *  7. queued; answered later by a grant, an eviction or its deadline, exactly once.
 * Tokens taken for a request that is then refused or never granted are given back: the
 * budget pays for work done, not for our overload.
 *
 * Counters are derived, never maintained by hand: inflight is the size of the lease table,
 * queued the size of the queue, so they cannot go negative or leak.
 */

/** Retry-After for a saturation shed: the shedder moves every 100 ms, but backing off less than a second only feeds it. */
export const SATURATED_RETRY_AFTER_MS = 1000;

/**
 * Added to the remaining deadline to make the lease: it covers the release RPC of work that
 * ends by its deadline. Work that runs longer has its lease extended by the Worker while it runs.
 */
export const LEASE_MARGIN_MS = 1000;

export interface Lease {
  ticket: string;
  priority: RequestPriority;
  cost: number;
  grantedAt: number;
  expiresAt: number;
  /** Concurrency the request ran under: the limiter's `inflight` for its sample. */
  inflightAtGrant: number;
}

export interface RestoredAdmission {
  bucket?: BucketSnapshot;
  limit?: LimitSnapshot;
  service?: ServiceSnapshot;
  leases?: Lease[];
}

/** The budgets worth persisting (leases go through hooks, one row each). */
export interface BudgetSnapshot {
  bucket: BucketSnapshot;
  limit: LimitSnapshot;
  service: ServiceSnapshot;
}

export interface AdmissionHooks {
  /** A lease began, or its expiry moved (extendLease): either way it is to be written. */
  leaseStarted?(lease: Lease): void;
  leaseEnded?(lease: Lease, why: "released" | "reclaimed"): void;
  /** Every queued waiter's single answer (for persistence-free observers and tests). */
  answered?(seq: number, result: AcquireResult): void;
}

export interface AdmissionCoreOptions {
  quota: Quota;
  now: number;
  restored?: RestoredAdmission;
  newTicket?: () => string;
  hooks?: AdmissionHooks;
  starvationBound?: number;
  leaseMarginMs?: number;
  shedder?: SaturationShedder;
  /** Uniform in [0, 1): which requests the shedder picks. */
  random?: () => number;
  /**
   * A shard controller's core: its bucket never refills by itself and holds only what its root
   * leased it (`fund`); see shard-budget.ts. The restored bucket, if any, is ignored.
   */
  funded?: boolean;
}

/** What the root gives a renewing shard (AdmissionCore.renewShardLease). */
export interface ShardLeaseAnswer {
  lease: IsolateLease | undefined;
  targetSlots: number;
  loadLevel: LoadLevel;
}

export interface WaiterHandle {
  seq: number;
  priority: RequestPriority;
  deadline: number;
  answer: Promise<AcquireResult>;
}

export type AcquireOutcome = { kind: "granted"; result: Grant } | { kind: "rejected"; result: Rejection } | { kind: "queued"; waiter: WaiterHandle };

interface Waiter extends QueueEntry {
  cost: number;
  deadline: number;
  enqueuedAt: number;
  settle: (result: AcquireResult) => void;
  settled: boolean;
}

const DECISIONS: readonly AdmissionDecision[] = ["admitted", "queued", "rate_limited", "queue_full", "shed", "deadline"];

export class AdmissionCore {
  private quota: Quota;
  private readonly bucket: TokenBucket;
  private limiter: CappedLimit;
  private readonly queue: PriorityQueue<Waiter>;
  private readonly service: ServiceRate;
  private readonly load = new LoadLevelTracker();
  private readonly shedder: SaturationShedder;
  private readonly random: () => number;
  private readonly leases = new Map<string, Lease>();
  private readonly isolateLeases: IsolateLeaseLedger;
  /** Capacity leased to this tenant's shard controllers (a root's core only). */
  private readonly shardLeases: IsolateLeaseLedger;
  /** Lease renewals since this instance started: with acquires and releases, the controller's calls. */
  private leaseRenewals = 0;
  /** Of the `shed` decisions, those the isolates' throttles took without asking, as their acquires told it since this instance started. */
  private refusedInIsolates = 0;
  /** Of the `admitted` decisions, those isolates reported admitting under their leases. */
  private admittedUnderLeases = 0;
  /** The governor's word (GovernorReply.leases): false while the tenant is over-served, and no isolate lease is granted. */
  private isolateLeasesAllowed = true;
  private readonly decisions: Record<RequestPriority, Record<AdmissionDecision, number>>;
  private readonly newTicket: () => string;
  private readonly hooks: AdmissionHooks;
  private readonly leaseMarginMs: number;
  private lastNow: number;
  private nextSeq = 1;
  /** A lower bound on the earliest waiter deadline: no scan is needed before it. */
  private earliestDeadline = Infinity;
  private version = 0;

  constructor(options: AdmissionCoreOptions) {
    assertValidQuota(options.quota);
    this.quota = copyQuota(options.quota);
    this.lastNow = options.now;
    const restored = options.restored ?? {};
    this.bucket = new TokenBucket(this.quota.rateLimit, options.now, options.funded ? undefined : restored.bucket, { funded: options.funded ?? false });
    this.limiter = new CappedLimit(createLimit(limitAlgorithmOf(this.quota), boundsOf(this.quota), restored.limit));
    this.queue = new PriorityQueue<Waiter>(this.quota.queueSize, options.starvationBound);
    this.service = new ServiceRate(restored.service);
    this.newTicket = options.newTicket ?? (() => crypto.randomUUID());
    this.isolateLeases = new IsolateLeaseLedger(this.newTicket);
    this.shardLeases = new IsolateLeaseLedger(this.newTicket, SHARD_LEASE_TTL_MS);
    this.hooks = options.hooks ?? {};
    this.leaseMarginMs = options.leaseMarginMs ?? LEASE_MARGIN_MS;
    this.shedder = options.shedder ?? new SaturationShedder();
    this.random = options.random ?? Math.random;
    for (const lease of restored.leases ?? []) this.leases.set(lease.ticket, { ...lease });
    this.decisions = Object.fromEntries(REQUEST_PRIORITIES.map((p) => [p, Object.fromEntries(DECISIONS.map((d) => [d, 0]))])) as Record<
      RequestPriority,
      Record<AdmissionDecision, number>
    >;
  }

  /** Bumped whenever a budget worth persisting changed (bucket, limit, service time). */
  get durableVersion(): number {
    return this.version;
  }

  /** Requests granted one by one, plus the slots leased to isolates and to shard controllers. */
  get inflight(): number {
    return this.leases.size + this.isolateLeases.heldSlots + this.shardLeases.heldSlots;
  }

  /** Slots reserved for this root's shard controllers (each shard reports what it runs in them). */
  get slotsLeasedToShards(): number {
    return this.shardLeases.heldSlots;
  }

  /** No slot is out in a lease (isolate or shard): the controller alone decides the concurrency. */
  private get nothingLeased(): boolean {
    return this.isolateLeases.heldSlots === 0 && this.shardLeases.heldSlots === 0;
  }

  /**
   * Slots doing this controller's work: in flight less the slots leased to shards (each shard
   * reports its own) and the slots parked in isolate leases (held, reported not running).
   * What loads the backend (the load level's utilisation).
   */
  get slotsAtWork(): number {
    const parked = this.isolateLeases.heldSlots - this.isolateLeases.runningSlots;
    return this.inflight - this.shardLeases.heldSlots - parked;
  }

  get queued(): number {
    return this.queue.size;
  }

  /** Requests waiting in isolates for a slot of their leases, as their last renewals reported. */
  get waitingInIsolates(): number {
    return this.isolateLeases.waitingRequests;
  }

  get limit(): number {
    return this.limiter.current;
  }

  /** The limit without a no-load probe's temporary dip (Limit.settled). */
  get settledLimit(): number {
    return this.limiter.settled;
  }

  /** Requests this controller granted since this instance started (all priorities; not those admitted under isolate leases). */
  get admittedTotal(): number {
    return REQUEST_PRIORITIES.reduce((sum, p) => sum + this.decisions[p].admitted, 0) - this.admittedUnderLeases;
  }

  /** Requests refused in isolates without asking, as their acquires reported them (a counter). */
  get refusedInIsolatesTotal(): number {
    return this.refusedInIsolates;
  }

  /** The measured mean service time (the fallback before any release), ms. */
  get serviceMs(): number {
    return this.service.serviceMsOrFallback;
  }

  /** The quota's weight in the governor's fair shares (default 1). */
  get weight(): number {
    return this.quota.weight ?? 1;
  }

  acquire(req: AcquireRequest, nowIn: number): AcquireOutcome {
    assertValidRequest(req);
    this.refusedInIsolates += this.countDecisions("shed", req.refusedLocallyByPriority);
    const now = this.tick(nowIn);
    const priority = capPriority(req.priority, this.quota.maxPriority);
    this.expireWaiters(now);

    if (req.deadline <= now) return this.reject(priority, "deadline", "expired", this.queueRetryAfterMs(), now);
    if (this.shedder.shouldShed(priority, this.random(), now)) return this.reject(priority, "shed", "saturated", SATURATED_RETRY_AFTER_MS, now);

    const take = this.bucket.tryTake(req.cost, now);
    if (!take.ok) {
      return take.never
        ? this.reject(priority, "rate_limited", "cost_exceeds_burst", this.quota.rateLimit.windowMs, now)
        : this.reject(priority, "rate_limited", "over_rate", take.waitMs, now);
    }
    if (req.cost > 0) this.version++;

    if (this.queue.size === 0 && this.inflight < this.limiter.current) {
      const grant = this.grant(priority, req.cost, req.deadline, 0, now);
      const lease = req.leaseDemandRps !== undefined && grant.loadLevel === "normal" ? this.leaseToIsolate(req.leaseDemandRps, req.cost, now) : undefined;
      return { kind: "granted", result: lease ? { ...grant, isolateLease: lease } : grant };
    }

    const refuse = (reason: RejectReason, detail: RejectDetail): AcquireOutcome => {
      this.refund(req.cost, now);
      return this.reject(priority, reason, detail, this.queueRetryAfterMs(), now);
    };
    if (this.updateLoad(now) === "overloaded" && priority === "low") return refuse("shed", "overloaded");
    if (this.service.measuredServiceMs !== null) {
      const position = this.queue.aheadOf(priority) + 1;
      const finishMs = this.service.predictedWaitMs(position, this.limiter.current) + this.service.serviceMsOrFallback;
      if (finishMs > req.deadline - now) return refuse("deadline", "predicted_wait");
    }

    let settle: (result: AcquireResult) => void = () => {};
    const answer = new Promise<AcquireResult>((resolve) => (settle = resolve));
    const waiter: Waiter = { seq: this.nextSeq++, priority, cost: req.cost, deadline: req.deadline, enqueuedAt: now, settle, settled: false };
    const offer = this.queue.offer(waiter);
    if (!offer.accepted) {
      return refuse("queue_full", "queue_full");
    }
    this.decisions[priority].queued++;
    this.earliestDeadline = Math.min(this.earliestDeadline, waiter.deadline);
    if (offer.evicted) this.refuseWaiter(offer.evicted, "queue_full", "evicted", now);
    this.updateLoad(now);
    return { kind: "queued", waiter: { seq: waiter.seq, priority, deadline: waiter.deadline, answer } };
  }

  /** The saturation shedder's level (0 = nothing shed). */
  get saturationLevel(): number {
    return this.shedder.level;
  }

  /** Requests the saturation shedder refused since this instance started. */
  get saturationShedTotal(): number {
    return this.shedder.shedTotal;
  }

  /** Whether isolate leases may be granted (the governor's GovernorReply.leases; true lifts it). */
  setIsolateLeasesAllowed(allowed: boolean): void {
    this.isolateLeasesAllowed = allowed;
  }

  /** The governor's saturation pass scale for this tenant (saturation-shedder.ts); 1 lifts it. */
  setSaturationScale(scale: number): void {
    this.shedder.setPassScale(scale);
  }

  /** A shard's K: the tenant's arrivals are spread over that many controllers (saturation-shedder.ts). */
  spreadArrivalsOver(controllers: number): void {
    this.shedder.spreadOver(controllers);
  }

  /** An event-loop lag sample from the caller's probe timer (see saturation-shedder.ts). */
  observeLag(lagMs: number, nowIn: number): void {
    this.shedder.observeLag(lagMs, this.tick(nowIn));
  }

  /** Frees the slot and feeds the limiter. Idempotent: an unknown or already released ticket is ignored (returns false). */
  release(ticket: string, report: ReleaseReport, nowIn: number): boolean {
    const now = this.tick(nowIn);
    const lease = this.leases.get(ticket);
    if (!lease) return false;
    this.leases.delete(ticket);
    this.hooks.leaseEnded?.(lease, "released");
    this.service.record(now - lease.grantedAt, now, report.latencyMs);
    this.limiter.onSample({ rttMs: report.latencyMs, inflight: lease.inflightAtGrant, dropped: report.outcome !== "success", mayProbe: this.nothingLeased });
    this.version++;
    this.drain(now);
    this.updateLoad(now);
    return true;
  }

  /**
   * Keeps a lease whose work is still running from being reclaimed: its expiry becomes at
   * least `now + byMs`. Returns the ms it has left, or null when the ticket is unknown
   * (released, or already reclaimed: then the slot is gone and stays gone).
   */
  extendLease(ticket: string, byMs: number, nowIn: number): number | null {
    const now = this.tick(nowIn);
    const lease = this.leases.get(ticket);
    if (!lease) return null;
    if (!(byMs > 0)) throw new RangeError(`extendLease needs a positive duration, got ${byMs}`);
    if (now + byMs > lease.expiresAt) {
      lease.expiresAt = now + byMs;
      this.hooks.leaseStarted?.(lease);
    }
    return lease.expiresAt - now;
  }

  /** Answers waiters whose deadline passed and reclaims leases (requests' and isolates') whose release never came. */
  expire(nowIn: number): { expiredWaiters: number; reclaimedLeases: number } {
    const now = this.tick(nowIn);
    const expiredWaiters = this.expireWaiters(now);
    let reclaimedLeases = 0;
    for (const lease of [...this.leases.values()]) {
      if (lease.expiresAt > now) continue;
      this.leases.delete(lease.ticket);
      this.hooks.leaseEnded?.(lease, "reclaimed");
      // A lease that outlived its deadline is a timeout as far as the limiter can tell.
      this.limiter.onSample({ rttMs: now - lease.grantedAt, inflight: lease.inflightAtGrant, dropped: true });
      this.version++;
      reclaimedLeases++;
    }
    reclaimedLeases += this.isolateLeases.expire(now) + this.shardLeases.expire(now);
    this.drain(now);
    this.updateLoad(now);
    return { expiredWaiters, reclaimedLeases };
  }

  /** A new quota applies at once: bucket rate and size, limit bounds or algorithm, queue bound. */
  configure(quota: Quota, nowIn: number): void {
    assertValidQuota(quota);
    const now = this.tick(nowIn);
    this.bucket.reconfigure(quota.rateLimit, now);
    if (limitAlgorithmOf(quota) !== this.limiter.algorithm) {
      this.limiter = this.limiter.over(createLimit(limitAlgorithmOf(quota), boundsOf(quota), this.limiter.snapshot()));
    } else {
      this.limiter.setBounds(boundsOf(quota));
    }
    this.quota = copyQuota(quota);
    for (const evicted of this.queue.resize(quota.queueSize)) this.refuseWaiter(evicted, "queue_full", "evicted", now);
    this.version++;
    this.drain(now);
    this.updateLoad(now);
  }

  /**
   * The ResourceGovernor's cap on this tenant's concurrency (DESIGN.md section 8): the limit
   * admission uses stays at or under it; undefined lifts it. A raised cap grants waiters at once.
   */
  setGovernorCap(cap: number | undefined, nowIn: number): void {
    const now = this.tick(nowIn);
    this.limiter.setCap(cap);
    this.drain(now);
    this.updateLoad(now);
  }

  get currentQuota(): Quota {
    return copyQuota(this.quota);
  }

  /** Earliest lease expiry (a request's or an isolate's), for the caller's alarm; undefined when nothing is leased. */
  nextLeaseExpiry(): number | undefined {
    let earliest = this.isolateLeases.nextExpiry();
    const shardExpiry = this.shardLeases.nextExpiry();
    if (shardExpiry !== undefined && (earliest === undefined || shardExpiry < earliest)) earliest = shardExpiry;
    for (const lease of this.leases.values()) if (earliest === undefined || lease.expiresAt < earliest) earliest = lease.expiresAt;
    return earliest;
  }

  /**
   * An isolate renews its lease (isolate-leases.ts): the tokens it did not use go back to the
   * bucket, its latency samples feed the limiter, and it gets a new lease while the load is
   * `normal`, else a drain lease covering only the requests it still runs (or nothing).
   */
  renewIsolateLease(id: string, usage: LeaseUsage, samples: readonly ReleaseReport[], nowIn: number): LeaseRenewal {
    const now = this.tick(nowIn);
    this.leaseRenewals++;
    const closed = this.isolateLeases.close(id, usage);
    const admittedUnderLease = this.countDecisions("admitted", usage.admitted);
    this.admittedUnderLeases += admittedUnderLease;
    // Requests admitted by an isolate whose own thread is late are load on a late thread
    // (locally the controller's own): counted as arrivals, they take a tenant that floods it
    // through its lease past the shedder's floor, the level rises and the lease ends, where
    // before the lease went on admitting the flood (bench/README.md). From an isolate on time
    // they never touched a late thread, and a tenant served so keeps its lease.
    if (finite(usage.isolateLagMs ?? 0) > this.shedder.targetMs) this.shedder.countLeasedArrivals(admittedUnderLease, now);
    // Carried tokens (given back by an isolate going quiet) return only with a lease still known
    // here, and never more than one burst: a confused isolate cannot mint budget.
    const returned = closed ? Math.min(Math.max(0, usage.returnedTokens ?? 0), this.quota.rateLimit.burst) : 0;
    if (closed && closed.unusedTokens + returned > 0) this.refund(closed.unusedTokens + returned, now);
    // A lease already reclaimed still has requests running: they are counted again from here.
    const stillRunning = closed?.stillRunning ?? Math.max(0, Math.floor(usage.inflight));
    const inflightBefore = this.inflight + stillRunning;
    // Requests that waited for a slot of the lease wanted one too: the limiter's app-limited test
    // counts them, so a tenant whose lease is its bottleneck is not read as idle (at most the limit).
    const isolateWanted = Math.floor(finite(usage.wanted ?? 0));
    const wanted = Math.min(this.limiter.current, this.inflight + Math.max(stillRunning, isolateWanted));
    this.learnFromReport(samples, inflightBefore, wanted, now);
    const loadLevel = this.updateLoad(now);
    // What the isolate really runs (not the slots it keeps while it goes on admitting) is what loads the backend.
    const running = Math.min(stillRunning, Math.max(0, Math.floor(finite(usage.running ?? stillRunning))));
    let lease = loadLevel === "normal" ? this.leaseToIsolate(usage.demandRps, 1, now, stillRunning, running) : undefined;
    if (!lease && stillRunning > 0) lease = this.isolateLeases.open({ tokens: 0, slots: stillRunning }, now, running);
    // Its requests that waited for a slot at the peak are demand too (at most the limit): the governor hears them.
    if (lease) this.isolateLeases.noteWaiting(lease.id, Math.min(this.limiter.current, isolateWanted - stillRunning));
    this.drain(now);
    return { lease, loadLevel, rateLimit: this.bucket.info(now) };
  }

  /**
   * A shard controller renews its capacity lease (shard-budget.ts): the tokens it gives back
   * return to the bucket (only with a lease still known here, at most one burst), its samples
   * feed the limiter, and it gets tokens and slots by its share of the demand, at any load
   * level (shards are where the tenant's requests queue). A retired shard gets only a drain
   * lease of the slots it still fills, and no tokens.
   */
  renewShardLease(req: ShardLeaseRequest, peers: { totalDemandRps: number; liveShards: number; retired: boolean; reserveSlots: number }, nowIn: number): ShardLeaseAnswer {
    const now = this.tick(nowIn);
    const closed = req.leaseId === undefined ? undefined : this.shardLeases.close(req.leaseId, { usedTokens: Infinity, inflight: req.heldSlots, demandRps: req.demandRps });
    const returned = closed ? Math.min(Math.max(0, finite(req.returnedTokens)), this.quota.rateLimit.burst) : 0;
    if (returned > 0) this.refund(returned, now);
    // A lapsed lease still has requests running at the shard: they are counted again from here.
    const mustCover = Math.max(0, Math.floor(finite(req.heldSlots)));
    const inflightBefore = this.inflight + mustCover;
    this.learnFromReport(req.samples, inflightBefore, undefined, now);
    const loadLevel = this.updateLoad(now);
    if (peers.retired) {
      const lease = mustCover > 0 ? this.shardLeases.open({ tokens: 0, slots: mustCover }, now) : undefined;
      this.drain(now);
      return { lease, targetSlots: 0, loadLevel };
    }
    const budget = sizeShardLease({
      demandRps: req.demandRps,
      totalDemandRps: peers.totalDemandRps,
      liveShards: peers.liveShards,
      walletTokens: req.walletTokens,
      freeTokens: this.bucket.level(now),
      limit: this.limiter.current,
      // Some slots stay with the root: it serves isolates with an old map, and failovers.
      freeSlots: this.limiter.current - this.inflight - peers.reserveSlots,
      mustCover,
      // This shard's own lease is closed above, so the ledger holds the others'.
      otherShardSlots: this.shardLeases.heldSlots,
    });
    if (budget.tokens > 0 && this.bucket.tryTake(budget.tokens, now).ok) this.version++;
    else budget.tokens = 0;
    // A shard still holding tokens keeps a lease (if an empty one), so it can give them back; so
    // does one with demand but no slot for now, which then sends its requests on to the root at
    // once instead of asking the root for a lease before each of them.
    const holding = budget.tokens > 0 || budget.slots > 0 || finite(req.walletTokens) > 0 || finite(req.demandRps) > 0;
    const lease = holding ? this.shardLeases.open({ tokens: budget.tokens, slots: budget.slots }, now) : undefined;
    this.drain(now);
    return { lease, targetSlots: budget.targetSlots, loadLevel };
  }

  /** Slots and tokens held by each shard lease, by lease id (for the root's state document). */
  shardLease(id: string): { tokens: number; slots: number } | undefined {
    const lease = this.shardLeases.get(id);
    return lease && { tokens: lease.tokens, slots: lease.slots };
  }

  /** A shard's wallet receives its root's grant; returns the tokens it took (capacity bounds it). */
  fund(tokens: number, nowIn: number): number {
    const now = this.tick(nowIn);
    const taken = this.bucket.fund(Math.max(0, tokens), now);
    if (taken > 0) this.version++;
    return taken;
  }

  /** Takes up to `max` tokens out of the bucket, to give them back to the root. */
  withdrawTokens(max: number, nowIn: number): number {
    const now = this.tick(nowIn);
    const out = this.bucket.withdraw(max, now);
    if (out > 0) this.version++;
    return out;
  }

  /** The numbers behind the RateLimit headers, now. */
  rateLimit(nowIn: number): RateLimitInfo {
    return this.bucket.info(this.tick(nowIn));
  }

  tokens(nowIn: number): number {
    return this.bucket.level(this.tick(nowIn));
  }

  snapshot(): BudgetSnapshot {
    return { bucket: this.bucket.snapshot(), limit: this.limiter.snapshot(), service: this.service.snapshot() };
  }

  state(nowIn: number): AdmissionStateDocument {
    const now = this.tick(nowIn);
    const totals = Object.fromEntries(DECISIONS.map((d) => [d, REQUEST_PRIORITIES.reduce((sum, p) => sum + this.decisions[p][d], 0)])) as Record<AdmissionDecision, number>;
    const limitState = this.limiter.snapshot();
    return {
      limit: this.limiter.current,
      inflight: this.inflight,
      queued: this.queue.counts(),
      tokens: this.bucket.level(now),
      loadLevel: this.updateLoad(now),
      decisions: totals,
      leases: { active: this.isolateLeases.active, tokens: this.isolateLeases.heldTokens, slots: this.isolateLeases.heldSlots, renewals: this.leaseRenewals },
      configured: true,
      limitAlgorithm: this.limiter.algorithm,
      limitBounds: boundsOf(this.quota),
      rtt: limitState.algorithm === "gradient2" ? { shortMs: limitState.shortRttMs, longMs: limitState.longRttMs, minMs: limitState.minRttMs } : null,
      serviceTimeMs: this.service.measuredServiceMs,
      oldestWaitMs: this.oldestWaitMs(now),
      queueSize: this.quota.queueSize,
      rateLimit: this.bucket.info(now),
      saturation: { shedLevel: this.shedder.level, lagMs: this.shedder.lagMs, targetMs: this.shedder.targetMs, passScale: this.shedder.passScale },
      share: this.limiter.cap ?? null,
      learnedLimit: this.limiter.learned,
      isolateDecisions: { admitted: this.admittedUnderLeases, shed: this.refusedInIsolates },
    };
  }

  stats(nowIn: number): AdmissionStats {
    const now = this.tick(nowIn);
    return {
      at: now,
      limit: this.limiter.current,
      limitAlgorithm: this.limiter.algorithm,
      inflight: this.inflight,
      queued: this.queue.counts(),
      tokens: this.bucket.level(now),
      loadLevel: this.updateLoad(now),
      decisions: Object.fromEntries(REQUEST_PRIORITIES.map((p) => [p, { ...this.decisions[p] }])) as Record<RequestPriority, Record<AdmissionDecision, number>>,
      serviceTimeMs: this.service.measuredServiceMs,
      serviceRatePerSec: this.service.capacityPerSec(this.limiter.current),
      completionRatePerSec: this.service.completionsPerSec(now),
      oldestWaitMs: this.oldestWaitMs(now),
      leases: { active: this.isolateLeases.active, tokens: this.isolateLeases.heldTokens, slots: this.isolateLeases.heldSlots },
    };
  }

  private tick(now: number): number {
    if (Number.isFinite(now) && now > this.lastNow) this.lastNow = now;
    return this.lastNow;
  }

  /**
   * The limiter learns from a report's samples (an isolate's or a shard's, since its last one)
   * as one latency sample, their mean: they were measured over the same short interval, and a
   * stall of the thread or of D1 slows every request running through it at once. Fed one by
   * one, a report of 64 samples from such a moment counted as a trend 64 samples long and cut
   * the limit to a tenth in one renewal. The mean still stands for the requests it averages
   * in the limiter's long-term RTT average, whose window is in requests. Drops still count one
   * by one: their decrease is already scaled to a round of drops per slot.
   * A report never starts the limiter's no-load probe: it comes from an isolate or a shard
   * holding slots that stay held until their renewal, so the probe could not lower the
   * concurrency it measures.
   */
  private learnFromReport(samples: readonly ReleaseReport[], inflight: number, wanted: number | undefined, now: number): void {
    let latencySum = 0;
    let succeeded = 0;
    for (const sample of samples) {
      this.service.record(sample.latencyMs, now);
      if (sample.outcome !== "success") {
        this.limiter.onSample({ rttMs: sample.latencyMs, inflight, wanted, dropped: true, mayProbe: false });
      } else if (Number.isFinite(sample.latencyMs) && sample.latencyMs >= 0) {
        latencySum += sample.latencyMs;
        succeeded++;
      }
    }
    if (succeeded > 0) this.limiter.onSample({ rttMs: latencySum / succeeded, requests: succeeded, inflight, wanted, dropped: false, mayProbe: false });
    if (samples.length > 0) this.version++;
  }

  private grant(priority: RequestPriority, cost: number, deadline: number, queuedMs: number, now: number): Grant {
    // The level the request found: with a limit of 1, its own slot must not read as "90% busy".
    const loadLevel = this.updateLoad(now);
    const lease: Lease = {
      ticket: this.newTicket(),
      priority,
      cost,
      grantedAt: now,
      expiresAt: deadline + this.leaseMarginMs,
      inflightAtGrant: this.inflight + 1,
    };
    this.leases.set(lease.ticket, lease);
    this.hooks.leaseStarted?.(lease);
    this.decisions[priority].admitted++;
    return { granted: true, ticket: lease.ticket, loadLevel, queuedMs, leaseMs: lease.expiresAt - now, rateLimit: this.bucket.info(now) };
  }

  /**
   * A lease for the asking isolate, sized by its demand and the free budget; its tokens leave
   * the bucket now. `mustCover` slots are the isolate's requests still running under the lease
   * it is renewing (or all its slots, while it goes on admitting): the new lease holds at least
   * that many, whether or not a new one is worth giving.
   */
  private leaseToIsolate(demandRps: number, cost: number, now: number, mustCover = 0, running = 0): IsolateLease | undefined {
    if (!this.isolateLeasesAllowed) return undefined;
    // A renewing isolate's running requests count against its new lease (max, below), so they
    // are not taken off the free slots first: that would size a lone isolate's lease at three
    // sevenths of the limit instead of three quarters, the rest of its requests waiting while the
    // limit looks idle.
    const freeSlots = this.limiter.current - this.inflight;
    const offer = sizeLease(demandRps, this.bucket.level(now), freeSlots, Math.max(1, cost), this.isolateLeases.active);
    if (!offer) return undefined;
    const take = this.bucket.tryTake(offer.tokens, now);
    if (!take.ok) return undefined;
    this.version++;
    // The lease follows the limit down: its slots are the offer's, and what the isolate may still
    // run beyond them is covered (counted in flight) until its next renewal. A lease that always
    // covered its running requests with slots of its own never shrank: the isolate refills every
    // slot that frees, so a fallen limit stayed fully leased and every request at the controller
    // read as overload. Covering takes max(), not a sum, which would ratchet up every renewal.
    return this.isolateLeases.open({ tokens: offer.tokens, slots: offer.slots }, now, running, mustCover);
  }

  /**
   * Decisions isolates took on their own (admitted under a lease, refused by their throttle),
   * counted here so the state document and the decision metrics hold every request
   * (DESIGN.md section 4). Returns how many were counted; malformed counts count as 0.
   */
  private countDecisions(decision: "admitted" | "shed", byPriority: Partial<Record<RequestPriority, number>> | undefined): number {
    if (!byPriority || typeof byPriority !== "object") return 0;
    let counted = 0;
    for (const p of REQUEST_PRIORITIES) {
      const n = countOf(byPriority[p]);
      this.decisions[p][decision] += n;
      counted += n;
    }
    if (counted > 0) this.version++;
    return counted;
  }

  private reject(priority: RequestPriority, reason: RejectReason, detail: RejectDetail, retryAfterMs: number, now: number): AcquireOutcome {
    this.decisions[priority][reason]++;
    return { kind: "rejected", result: this.rejection(reason, detail, retryAfterMs, now) };
  }

  private rejection(reason: RejectReason, detail: RejectDetail, retryAfterMs: number, now: number): Rejection {
    return { granted: false, reason, detail, retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)), loadLevel: this.withSaturation(this.load.level, now), rateLimit: this.bucket.info(now) };
  }

  /** Grants waiters while slots are free; expired waiters go first so none is ever granted late. */
  private drain(now: number): void {
    this.expireWaiters(now);
    while (this.queue.size > 0 && this.inflight < this.limiter.current) {
      const waiter = this.queue.poll();
      if (!waiter) break;
      if (waiter.deadline <= now) {
        this.refuseWaiter(waiter, "deadline", "expired", now);
        continue;
      }
      this.answer(waiter, this.grant(waiter.priority, waiter.cost, waiter.deadline, now - waiter.enqueuedAt, now));
    }
  }

  private expireWaiters(now: number): number {
    if (now < this.earliestDeadline) return 0;
    const expired = this.queue.removeWhere((w) => w.deadline <= now);
    for (const waiter of expired) this.refuseWaiter(waiter, "deadline", "expired", now);
    this.earliestDeadline = Infinity;
    for (const waiter of this.queue) this.earliestDeadline = Math.min(this.earliestDeadline, waiter.deadline);
    return expired.length;
  }

  private refuseWaiter(waiter: Waiter, reason: RejectReason, detail: RejectDetail, now: number): void {
    this.refund(waiter.cost, now);
    this.decisions[waiter.priority][reason]++;
    this.answer(waiter, this.rejection(reason, detail, this.queueRetryAfterMs(), now));
  }

  private answer(waiter: Waiter, result: AcquireResult): void {
    if (waiter.settled) throw new Error(`waiter ${waiter.seq} answered twice`);
    waiter.settled = true;
    this.hooks.answered?.(waiter.seq, result);
    waiter.settle(result);
  }

  private refund(cost: number, now: number): void {
    if (cost <= 0) return;
    this.bucket.refund(cost, now);
    this.version++;
  }

  private queueRetryAfterMs(): number {
    return this.service.retryAfterMs(this.queue.size, this.limiter.current);
  }

  private oldestWaitMs(now: number): number {
    const oldest = this.queue.oldest();
    return oldest ? Math.max(0, now - oldest.enqueuedAt) : 0;
  }

  private updateLoad(now: number): LoadLevel {
    // Slots leased to shards are the shards' to fill, and each shard reports its own load: a
    // root that leased most of its limit out is not busy for that (it read as elevated, and its
    // answers kept isolates from asking for leases).
    // Of the rest, slots parked in isolate leases (held, reported unused) are budget, not work;
    // and only the share of slot time spent working loads the backend: far from its isolates, a
    // controller's slots are mostly held by requests on the wire. Reading either as load took
    // leases away at moderate load, and without them every request went back on the wire.
    // Against the learned limit, not a no-load probe's dip under it: a probe measures, and slots
    // held when it began cannot shrink until their leases renew, so against the dip they read as
    // an overload that ended the leases (and sent every request to the controller) each time.
    const toShards = this.shardLeases.heldSlots;
    const utilisation = (this.slotsAtWork * this.service.workShare) / Math.max(1, this.limiter.settled - toShards);
    const tracked = this.load.update({ utilisation, queueDelayMs: this.oldestWaitMs(now), serviceMs: this.service.serviceMsOrFallback }, now);
    return this.withSaturation(tracked, now);
  }

  /**
   * A saturated thread is load too: any shedding of this tenant means elevated, shedding all
   * its low overloaded. Not the thread's level alone: a tenant under the shedder's floor is not
   * shed, and reading it as elevated would end its leases and send every one of its requests
   * to the saturated controller.
   */
  private withSaturation(level: LoadLevel, now: number): LoadLevel {
    const shed = this.shedder.levelFor(now);
    if (shed >= 1 || level === "overloaded") return "overloaded";
    return shed > 0 || level === "elevated" ? "elevated" : "normal";
  }
}

function boundsOf(quota: Quota): { min: number; max: number } {
  return { min: quota.minConcurrency, max: quota.maxConcurrency };
}

function copyQuota(quota: Quota): Quota {
  return { ...quota, rateLimit: { ...quota.rateLimit }, routeCosts: { ...quota.routeCosts } };
}

/** A count sent by an isolate: a whole number >= 0 (anything else counts as none). */
function countOf(n: number | undefined): number {
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : 0;
}
