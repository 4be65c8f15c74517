import type { ShardingState, ShardMap, ShardRoleState } from "./shards";

/**
 * The contract between the Worker and a tenant's AdmissionController (DESIGN.md sections 3-4).
 * Plain types only: imported by the Worker, the DO and the pure algorithms alike.
 */

/** A property of the request (never to be confused with a task's low/medium/high). */
export const REQUEST_PRIORITIES = ["critical", "high", "normal", "low"] as const;
export type RequestPriority = (typeof REQUEST_PRIORITIES)[number];

export type LoadLevel = "normal" | "elevated" | "overloaded";

export type RejectReason = "rate_limited" | "queue_full" | "shed" | "deadline";

export type AdmissionDecision = "admitted" | "queued" | RejectReason;

/** Per-tenant quota (DESIGN.md section 3), every field resolved (defaults applied). */
export interface Quota {
  rateLimit: { requests: number; windowMs: number; burst: number };
  maxConcurrency: number;
  minConcurrency: number;
  queueSize: number;
  timeoutMs: number;
  maxPriority: RequestPriority;
  /** Keyed by route template, e.g. "GET /v1/tasks/stats". Missing routes cost 1. */
  routeCosts: Record<string, number>;
  /** The tenant's weight in the governor's fair shares of D1 (DESIGN.md section 8), > 0. Absent means 1. */
  weight?: number;
  /** Which adaptive concurrency limit learns the tenant's limit. Absent means "gradient2". */
  limitAlgorithm?: LimitAlgorithm;
}

/** The swappable `Limit` implementations (durable-objects/admission/limit-factory.ts). */
export const LIMIT_ALGORITHMS = ["gradient2", "aimd"] as const;
export type LimitAlgorithm = (typeof LIMIT_ALGORITHMS)[number];

export interface AcquireRequest {
  priority: RequestPriority;
  /** Tokens this request takes from the bucket. */
  cost: number;
  /** Absolute deadline, epoch milliseconds. A waiter past it is answered `deadline`, never run. */
  deadline: number;
  /** Route template, e.g. "POST /v1/tasks". */
  route: string;
  /**
   * Asks for an isolate lease with the grant (DESIGN.md section 7): the asking isolate's
   * recent arrival rate for this tenant, requests per second. Absent: no lease wanted.
   */
  leaseDemandRps?: number;
  /** The shard map version the asking isolate holds: an answer carries the map when it differs (shards.ts). */
  shardMapVersion?: number;
  /** Sent on to the root after a shard answered not_serving: that shard already counted the request as demand. */
  forwarded?: boolean;
  /**
   * Requests of this tenant the asking isolate's throttle refused without asking, since its
   * last acquire here, by priority: the controller counts them among its `shed` decisions, and
   * what the tenant wanted is told to the governor (demand-reporter.ts).
   */
  refusedLocallyByPriority?: Partial<Record<RequestPriority, number>>;
}

/** Budget an isolate may spend by itself until `ttlMs` after it received it (isolate-leases.ts). */
export interface IsolateLease {
  id: string;
  /** Tokens the isolate may spend. */
  tokens: number;
  /** Requests the isolate may have in flight under this lease. */
  slots: number;
  /** On the controller's clock. */
  expiresAt: number;
  ttlMs: number;
}

/** What an isolate reports when it renews a lease. */
export interface LeaseUsage {
  /** Tokens spent from the lease being renewed. */
  usedTokens: number;
  /** Requests admitted under the lease that are still running (all its slots while it goes on admitting). */
  inflight: number;
  /**
   * Requests actually running under the lease when the renewal left, for the load level only:
   * `inflight` is an upper bound for the slots to keep, this is what loads the backend.
   */
  running?: number;
  /**
   * The most requests the isolate had running or waiting for room under the lease at once since
   * its last renewal: the concurrency it wanted, which the limiter reads as in use (a lease
   * holding half the free slots must not make a busy tenant look app-limited).
   */
  wanted?: number;
  /** The isolate's recent arrival rate for this tenant, requests per second. */
  demandRps: number;
  /** Requests admitted under the lease since the last renewal, by priority: counted among the controller's `admitted` decisions. */
  admitted?: Partial<Record<RequestPriority, number>>;
  /**
   * Tokens of earlier leases that a renewal reported spent (so the isolate could go on
   * admitting while it travelled) and that the isolate now gives back unspent.
   */
  returnedTokens?: number;
  /**
   * How late the renewing isolate's own timers fire (its smoothed event-loop lag, ms). The
   * requests it admitted count as arrivals for the controller's saturation shedder only while
   * this is above the shedder's target: then they load a late thread (locally, the one thread
   * the controller shares with the Worker), not merely pass beside one. Deployed, the clock
   * advances only at I/O and the meter reads about 0 (event-loop-lag.ts), so they do not count.
   */
  isolateLagMs?: number;
}

/** The answer to a renewal: a new lease (or a drain lease of the requests still running), or none. */
export interface LeaseRenewal {
  lease: IsolateLease | undefined;
  loadLevel: LoadLevel;
  rateLimit: RateLimitInfo;
  /** The tenant's current shard map, when the renewing isolate's version differs. */
  shardMap?: ShardMap;
}

/** What the Worker needs to write the IETF RateLimit / RateLimit-Policy headers. */
export interface RateLimitInfo {
  /** Policy quota (bucket capacity) and window in seconds. */
  quota: number;
  windowSeconds: number;
  /** Whole tokens left after this decision. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
}

export interface Grant {
  granted: true;
  ticket: string;
  loadLevel: LoadLevel;
  /** Time spent waiting in the queue, ms (0 when admitted at once). */
  queuedMs: number;
  /** The lease: if no release arrives within this many ms, the slot is reclaimed. */
  leaseMs: number;
  rateLimit: RateLimitInfo;
  /** Budget for the asking isolate to admit further requests itself, when it asked and the load is normal. */
  isolateLease?: IsolateLease;
  /** The tenant's current shard map, when the asking isolate's version differs. */
  shardMap?: ShardMap;
}

/**
 * Why, in more detail than the status-code-level `reason` (for logs and metrics):
 * - cost_exceeds_burst: the request costs more than the bucket can ever hold; retrying never helps
 *   (a quota configuration problem), so `retryAfterMs` is one full window.
 * - over_rate: the bucket lacks tokens now; `retryAfterMs` is the exact wait.
 * - queue_full: no room in the queue and nobody of lower priority to evict.
 * - evicted: was waiting, displaced by a higher-priority arrival while the queue was full.
 * - overloaded: shed at arrival because the load level is overloaded.
 * - saturated: shed at arrival because the controller's thread is saturated (event-loop lag;
 *   see saturation-shedder.ts), lowest priorities first.
 * - predicted_wait: its queue position and the measured service time say it would miss its deadline.
 * - expired: its deadline passed (at arrival or while waiting).
 * - not_serving: asked a shard controller that holds no budget to serve (retired when the map shrank, or no slot leased): the
 *   Worker retries at the root at once; never reaches a client.
 */
export type RejectDetail = "cost_exceeds_burst" | "over_rate" | "queue_full" | "evicted" | "overloaded" | "saturated" | "predicted_wait" | "expired" | "not_serving";

export interface Rejection {
  granted: false;
  reason: RejectReason;
  detail?: RejectDetail;
  retryAfterMs: number;
  loadLevel: LoadLevel;
  rateLimit: RateLimitInfo;
  shardMap?: ShardMap;
}

export type AcquireResult = Grant | Rejection;

export type ReleaseOutcome = "success" | "error" | "timeout" | "dropped";

/**
 * How the admitted work ended, as the limiter reads it:
 * - success: the handler finished (any status below 500, client errors included): latency is a sample.
 * - error: the handler failed with a 5xx; timeout: it ran past its deadline;
 *   dropped: the work was abandoned before it finished.
 * Everything but success is a "dropped" sample: a multiplicative decrease, never an RTT sample.
 */
export interface ReleaseReport {
  latencyMs: number;
  outcome: ReleaseOutcome;
  /** D1 time and queries the work used (the governor's demand and contention signal); absent when not measured. */
  dbMs?: number;
  dbQueries?: number;
}

/** The fields every admission state document has (DESIGN.md section 4). */
type AdmissionStateCore = {
  limit: number;
  inflight: number;
  queued: Record<RequestPriority, number>;
  tokens: number;
  loadLevel: LoadLevel;
  decisions: Record<AdmissionDecision, number>;
  /** Budget held by isolates (DESIGN.md section 7): leases, their unreported tokens and their slots; renewals since start. */
  leases: { active: number; tokens: number; slots: number; renewals?: number };
};

/** GET /admin/tenants/:id/admission */
export interface AdmissionState extends AdmissionStateCore {
  [detail: string]: unknown;
}

/**
 * What AdmissionController.state() returns: AdmissionState with its detail fields named.
 * A type alias (not an interface) so it is assignable to AdmissionState, and concrete so it
 * survives RPC typing (an `unknown` index signature maps to `never` over a stub).
 */
export type AdmissionStateDocument = AdmissionStateCore & {
  /** False until a quota was configured (then every other field is zero). */
  configured: boolean;
  limitAlgorithm?: LimitAlgorithm;
  limitBounds?: { min: number; max: number };
  /** Gradient2's latency view; null for algorithms that do not measure it. */
  rtt?: { shortMs: number | null; longMs: number | null; minMs: number | null } | null;
  serviceTimeMs?: number | null;
  oldestWaitMs?: number;
  queueSize?: number;
  rateLimit?: RateLimitInfo;
  quota?: Quota;
  /**
   * Event-loop saturation: the shed level (0 = none, 1 = all low, 2 = low and normal, 3 = all but critical), the last lag sample, the lag target (from CPU_MAX_CAPACITY),
   * and how much likelier than that level says this tenant's requests are to pass, steered toward its weighted fair share of the fleet's admitted rate (1 = as the level says).
   */
  saturation?: { shedLevel: number; lagMs: number; targetMs: number; passScale: number };
  /** The D1 concurrency the ResourceGovernor gives the tenant: its cap on `limit` (fair share plus its part of the idle budget); null until it has answered (DESIGN.md section 8). */
  share: number | null;
  /** The adaptive limit as learned, before the governor's cap. */
  learnedLimit?: number;
  /** Of `decisions`, those isolates took without asking and reported (admitted under leases, refused by their throttles). */
  isolateDecisions?: { admitted: number; shed: number };
  /** How many controllers serve the tenant now (1: the root alone; DESIGN.md section 7). */
  shards?: number;
  /** The root's shard map, demand and capacity leased to each shard. */
  sharding?: ShardingState;
  /** Present when this document comes from a shard controller rather than the root. */
  shard?: ShardRoleState;
};

/** A cheap snapshot for monitoring (Monitor DO, /metrics): one RPC, no storage reads. */
export interface AdmissionStats {
  /** Epoch ms the snapshot was taken at. */
  at: number;
  limit: number;
  limitAlgorithm: LimitAlgorithm;
  inflight: number;
  queued: Record<RequestPriority, number>;
  tokens: number;
  loadLevel: LoadLevel;
  /** Counted since this object instance started (counters, reset on eviction). */
  decisions: Record<RequestPriority, Record<AdmissionDecision, number>>;
  /** Mean slot hold time (EWMA), ms; null before the first release. */
  serviceTimeMs: number | null;
  /** Completions per second the current limit can sustain (limit / service time); null when unknown. */
  serviceRatePerSec: number | null;
  /** Completions per second actually measured (EWMA over 1 s buckets). */
  completionRatePerSec: number;
  /** Age of the oldest waiter, ms (0 when the queue is empty). */
  oldestWaitMs: number;
  /** Budget isolates hold under leases from this controller. */
  leases?: { active: number; tokens: number; slots: number };
  /** A root's K: how many controllers serve the tenant (absent from shards). */
  shards?: number;
}
