/**
 * The contract between the Worker and a tenant's AdmissionController (DESIGN.md sections 3-4).
 * Plain types only: imported by the Worker, the DO and the pure algorithms alike.
 */

/** A property of the request (never to be confused with a task's low/medium/high). */
export const REQUEST_PRIORITIES = ["critical", "high", "normal", "low"] as const;
export type RequestPriority = (typeof REQUEST_PRIORITIES)[number];

export type LoadLevel = "normal" | "elevated" | "overloaded";

export type RejectReason = "rate_limited" | "queue_full" | "shed" | "deadline";

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
}

export interface AcquireRequest {
  priority: RequestPriority;
  /** Tokens this request takes from the bucket. */
  cost: number;
  /** Absolute deadline, epoch milliseconds. A waiter past it is answered `deadline`, never run. */
  deadline: number;
  /** Route template, e.g. "POST /v1/tasks". */
  route: string;
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
}

export interface Rejection {
  granted: false;
  reason: RejectReason;
  retryAfterMs: number;
  loadLevel: LoadLevel;
  rateLimit: RateLimitInfo;
}

export type AcquireResult = Grant | Rejection;

export type ReleaseOutcome = "success" | "error" | "timeout" | "dropped";

export interface ReleaseReport {
  latencyMs: number;
  outcome: ReleaseOutcome;
}

/** GET /admin/tenants/:id/admission */
export interface AdmissionState {
  limit: number;
  inflight: number;
  queued: Record<RequestPriority, number>;
  tokens: number;
  loadLevel: LoadLevel;
  decisions: Record<"admitted" | "queued" | RejectReason, number>;
  [detail: string]: unknown;
}
