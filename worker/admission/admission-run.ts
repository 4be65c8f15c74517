import type { Context } from "hono";
import { LRUCache } from "lru-cache";
import type { AcquireRequest, AcquireResult, Grant, LoadLevel, RateLimitInfo, ReleaseOutcome, RequestPriority } from "../../durable-objects/contracts/admission";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";
import { faultsOf } from "../chaos/chaos-step";
import { SHED_DETAIL, shedAtEdge } from "./door-refusal";
import type { ControllerFault } from "../chaos/chaos-faults";
import { AdaptiveThrottle } from "./adaptive-throttle";
import { admissionController, controllerNamed } from "./controller";
import { acquireRouted, countControllerCall, forgetConfiguredRoot, isNotServing, type Controller } from "./shard-calls";
import { injectFaults } from "./faults";
import { rateLimitHeaders, retryAfterSeconds } from "./headers";
import { keepLease } from "./lease-keeper";
import { LocalLease } from "./local-lease";
import { LocalRefusals } from "./local-refusals";
import { waitForLeaseRoom } from "./lease-wait";
import { runRateLimited } from "./rate-limit-peer";
import { capPriority } from "../../durable-objects/admission/quota-rules";
import { isHigher } from "./priority";
import { RecentLoad } from "./recent-load";
import { isolateEventLoopLag } from "../telemetry/event-loop-lag";
import type { AdmittedRoute } from "./route-admission";

type AdmissionContext = Context<AppEnv>;

/** Per isolate: refuses locally, without an RPC, what the controller is refusing anyway. */
const isolateThrottle = new AdaptiveThrottle();
/** What the throttle refused per tenant since the tenant's last acquire, told to its controller with the next. */
const localRefusals = new LocalRefusals();
/** The load level each tenant's controller reported lately (for degrading before asking). */
const recentLoad = new RecentLoad();
/** Each tenant's isolate lease, when its controller gave this isolate one (bookkeeping, not a data cache). */
const localLeases = new LRUCache<string, LocalLease>({ max: 10_000 });
/** The tenant's last known rate budget, for the RateLimit headers of requests admitted under a lease. */
const lastRateLimit = new LRUCache<string, RateLimitInfo>({ max: 10_000 });
/** Which controller (root or shard) issued each tenant's isolate lease: its renewals go there. */
const leaseIssuers = new LRUCache<string, string>({ max: 10_000 });

/** Requests the door (door-refusal.ts) already put to the throttle and let through: asked once only. */
const askedAtDoor = new WeakSet<Request>();

/** The throttle's answer at the door (door-refusal.ts), which asks only while the tenant is known to be under load. */
export function throttleAtDoor(tenantId: string, priority: RequestPriority, now: number, random: number): { retryAfterMs: number } | undefined {
  const local = isolateThrottle.shouldRefuse(tenantId, priority, now, random);
  if (!local.refuse) return undefined;
  localRefusals.note(tenantId, priority);
  return { retryAfterMs: local.retryAfterMs };
}

/**
 * The RateLimit headers of the tenant's budget as this isolate last heard it (none before it
 * heard any): for answers given without asking its controller (a refusal by the throttle, an
 * answer from memory under load), which are tenant responses like any other (section 2).
 */
export function knownRateLimitHeaders(tenantId: string): Record<string, string> {
  const info = lastRateLimit.get(tenantId);
  return info ? rateLimitHeaders(info) : {};
}

/** The load level this isolate last heard for the tenant ("normal" once the news is old). */
export function knownLoadLevel(tenantId: string): LoadLevel {
  return recentLoad.level(tenantId);
}

/** The door's arrival for the tenant's lease, if this isolate holds one (the app notes it before its throttle too). */
export function noteArrivalAtDoor(tenantId: string, now: number): void {
  localLeases.peek(tenantId)?.noteArrival(now);
}

export function markAskedAtDoor(request: Request): void {
  askedAtDoor.add(request);
}

/**
 * A quota change ends this isolate's lease for the tenant at once (it was sized under the old
 * quota); other isolates' leases end at their next renewal, within half a lease TTL.
 */
export function forgetIsolateLease(tenantId: string): void {
  localLeases.delete(tenantId);
}

function localLeaseOf(tenantId: string): LocalLease {
  let lease = localLeases.get(tenantId);
  if (!lease) {
    lease = new LocalLease();
    localLeases.set(tenantId, lease);
  }
  return lease;
}

/** What the admission step learned from the request before validation ran. */
export interface AdmissionTicket {
  route: AdmittedRoute;
  routeKey: string;
  priority: RequestPriority;
  /** Absolute deadline, epoch ms. */
  deadline: number;
}

/**
 * Runs one admitted request's work (DESIGN.md sections 1 and 4), after its validators and
 * before its handler: one RPC to the tenant's AdmissionController, the work inside the
 * grant, the release through waitUntil once the work has settled (not when the answer left:
 * a read answered at its deadline may still be running, and its slot is held until it ends).
 */
export async function runAdmitted(c: AdmissionContext, ticket: AdmissionTicket, work: () => Promise<Response>): Promise<Response> {
  c.set("requestPriority", ticket.priority);
  c.set("loadLevel", "normal");
  if (c.get("config").admissionPeer === "rate-limit-binding") return runRateLimited(c, () => runWork(c, work));
  if (!c.get("config").admissionControl) return runWork(c, work);

  const tenant = c.get("tenant");
  // Until the controller answers (it may never: a refusal here, an answer from memory), the budget as last heard.
  for (const [name, value] of Object.entries(knownRateLimitHeaders(tenant.id))) c.header(name, value);
  let priority = ticket.priority;
  const knownLevel = recentLoad.level(tenant.id);
  if (knownLevel !== "normal") {
    const refusal = ticket.route.refuseUnderLoad?.({ query: (name) => c.req.query(name), priority }, knownLevel);
    if (refusal) throw refusal;
  }
  if (knownLevel !== "normal" && ticket.route.underLoad) {
    c.set("loadLevel", knownLevel);
    const decision = ticket.route.underLoad(c, knownLevel);
    if (decision.kind === "answer") return decision.response;
    if (decision.kind === "refresh") {
      c.set("refresh", true);
      if (isHigher(decision.priority, priority)) priority = capPriority(decision.priority, tenant.quota.maxPriority);
      c.set("requestPriority", priority);
    }
  }

  const cost = tenant.quota.routeCosts[ticket.routeKey] ?? ticket.route.cost;
  // X-Fault-Controller acts on the controller path, so it forces that path: a request admitted
  // under this isolate's lease would never reach the controller the fault is about.
  const fault = faultsOf(c).controller;
  // With ISOLATE_LEASES off no lease is ever held, and none is tracked.
  const lease = c.get("config").isolateLeases ? localLeaseOf(tenant.id) : undefined;
  // Time spent waiting for room under the lease: part of the request's queue time either way.
  let leaseWaitMs = 0;
  if (lease) {
    const renewWhenDue = () => {
      if (lease.renewalDue(Date.now())) c.executionCtx.waitUntil(renewIfDue(c, tenant.id, lease, false));
    };
    lease.noteArrival(Date.now());
    renewWhenDue();
    // At load normal, budget this isolate holds admits the request with no round trip.
    if (fault === undefined && knownLevel === "normal") {
      if (lease.tryAdmit(cost, Date.now())) return runLeased(c, ticket, lease, work);
      // Room on its way beats a round trip; critical requests and a tenant out of budget ask at once.
      const budgetLeft = (lastRateLimit.get(tenant.id)?.remaining ?? cost) >= cost;
      const onPoll = () => {
        renewWhenDue();
        return recentLoad.level(tenant.id) === "normal" && localLeases.get(tenant.id) === lease;
      };
      const waitStartedAt = performance.now();
      const admitted = priority !== "critical" && budgetLeft && (await waitForLeaseRoom(lease, cost, ticket.deadline, onPoll));
      leaseWaitMs = performance.now() - waitStartedAt;
      // Queue time whatever follows (a lease, a shed at the edge, a controller's answer or none).
      c.get("timings").queueMs = leaseWaitMs;
      if (admitted) return runLeased(c, ticket, lease, work);
    }
  }

  const local = askedAtDoor.has(c.req.raw) ? { refuse: false as const } : isolateThrottle.shouldRefuse(tenant.id, priority, Date.now(), Math.random());
  if (local.refuse) {
    localRefusals.note(tenant.id, priority);
    c.set("refusal", "shed");
    throw shedAtEdge(local.retryAfterMs);
  }

  if (fault === "evict") await evictController(c, tenant.id);
  const request: AcquireRequest = { priority, cost, deadline: ticket.deadline, route: ticket.routeKey };
  const refusedLocally = localRefusals.take(tenant.id);
  if (refusedLocally) request.refusedLocallyByPriority = refusedLocally;
  // Ask for a lease only while none is held or asked for, and the tenant is not known to be under load.
  const askingLease = lease !== undefined && fault === undefined && knownLevel === "normal" && lease.claimAsk();
  if (askingLease) request.leaseDemandRps = lease.demandRps(Date.now());
  const asked = performance.now();
  let decision: AcquireResult;
  let controller: Controller;
  let granter: string;
  try {
    // X-Fault-Controller: unavailable fails the acquire before any controller is reached (no failover).
    if (fault === "unavailable") throw new Error("X-Fault-Controller: unavailable: the acquire never reached the controller");
    // The shard this isolate picks (the root while K = 1), with one failover (shard-calls.ts).
    ({ decision, controller, target: granter } = await acquireRouted(c, tenant, request));
  } catch (err) {
    if (askingLease) lease.askAnswered();
    logControllerFailure("acquire", tenant.id, err);
    // Fail closed, fast, and say when to come back.
    throw new ApiError("overloaded", "Admission control is momentarily unavailable", { headers: { "retry-after": "1" }, extensions: { reason: "unavailable" } });
  }
  c.get("timings").queueMs = leaseWaitMs + performance.now() - asked;
  // A 429 is the tenant's budget, not overload: for the throttle it counts as accepted.
  const overloadRefusal = !decision.granted && decision.reason !== "rate_limited";
  isolateThrottle.record(tenant.id, priority, !overloadRefusal, decision.granted ? 0 : decision.retryAfterMs, Date.now());
  recentLoad.note(tenant.id, decision.loadLevel);
  lastRateLimit.set(tenant.id, decision.rateLimit);
  for (const [name, value] of Object.entries(rateLimitHeaders(decision.rateLimit))) c.header(name, value);
  if (askingLease) {
    lease.askAnswered();
    if (decision.granted && decision.isolateLease) {
      lease.adopt(decision.isolateLease, Date.now());
      leaseIssuers.set(tenant.id, granter);
      giveBackWhenIdle(c, tenant.id, lease);
    }
  }

  if (!decision.granted) {
    c.set("refusal", decision.reason);
    if (isNotServing(decision)) {
      // Even the retry reached a shard that no longer serves (the map moved twice): try again soon.
      throw new ApiError("overloaded", "Admission control is momentarily unavailable", { headers: { "retry-after": "1" }, extensions: { reason: "unavailable" } });
    }
    const rateLimited = decision.reason === "rate_limited";
    throw new ApiError(rateLimited ? "rate_limited" : "overloaded", rejectionDetail(decision.reason), {
      headers: { "retry-after": retryAfterSeconds(decision.retryAfterMs) },
      // reasonDetail (saturated, predicted_wait, ...) says which rule refused, for clients' logs and the benchmark.
      extensions: { reason: decision.reason, retryAfterMs: Math.ceil(decision.retryAfterMs), ...(decision.detail ? { reasonDetail: decision.detail } : {}) },
    });
  }
  c.set("loadLevel", decision.loadLevel);
  return runGranted(c, ticket, controller, granter, decision, work, fault);
}

/**
 * X-Fault-Controller: evict. The controller resets itself (its call cannot but fail); the
 * acquire that follows reaches a new instance, restored from storage, on a fresh stub (a stub
 * whose object was reset may stay broken). It is sent the quota again, in case the reset
 * lost it.
 */
async function evictController(c: AdmissionContext, tenantId: string): Promise<void> {
  await admissionController(c, tenantId)
    .chaosEvict()
    .catch(() => undefined);
  forgetConfiguredRoot(tenantId);
}

/** The work under a grant: its lease kept while it runs, released once it settles, a read cut at its deadline. */
function runGranted(
  c: AdmissionContext,
  ticket: AdmissionTicket,
  controller: Controller,
  /** The name of the controller that granted (the root or a shard): the release goes there. */
  granter: string,
  grant: Grant,
  work: () => Promise<Response>,
  fault: ControllerFault | undefined,
): Promise<Response> {
  const tenantId = c.get("tenant").id;
  const stopRenewing = keepLease(
    grant.leaseMs,
    (byMs) => onceMore(c, granter, controller, (stub) => stub.extendLease(grant.ticket, byMs)),
    (err) => logControllerFailure("extend", tenantId, err),
  );
  const started = performance.now();
  const running = runWork(c, work);
  c.executionCtx.waitUntil(
    outcomeOf(running, ticket.deadline).then(async (outcome) => {
      stopRenewing();
      // X-Fault-Controller: drop-release: the release is lost on its way; the lease's expiry frees the slot.
      if (fault === "drop-release") return;
      const report = { latencyMs: performance.now() - started, outcome, ...dbUseOf(c) };
      try {
        countControllerCall(c, tenantId, "release");
        await onceMore(c, granter, controller, (stub) => stub.release(grant.ticket, report));
      } catch (err) {
        // The lease still ends: the controller reclaims it when it expires.
        logControllerFailure("release", tenantId, err);
      }
    }),
  );
  // A write is answered with its real outcome, however late: reporting a committed write as
  // failed would make a client retry what already happened. A read has no such effect.
  return isRead(c.req.method) ? beforeDeadline(running, ticket.deadline) : running;
}

/**
 * A request admitted under this isolate's lease: no round trip (its RateLimit headers are the
 * budget as last heard, set by runAdmitted); the lease learns how it ended and renews when due.
 */
function runLeased(c: AdmissionContext, ticket: AdmissionTicket, lease: LocalLease, work: () => Promise<Response>): Promise<Response> {
  const tenantId = c.get("tenant").id;
  c.header("x-admitted-by", "isolate-lease");
  lease.countAdmitted(c.get("requestPriority"));
  const started = performance.now();
  const running = runWork(c, work);
  c.executionCtx.waitUntil(
    outcomeOf(running, ticket.deadline).then((outcome) => {
      lease.finished({ latencyMs: performance.now() - started, outcome, ...dbUseOf(c) });
      return renewIfDue(c, tenantId, lease, false);
    }),
  );
  return isRead(c.req.method) ? beforeDeadline(running, ticket.deadline) : running;
}

/**
 * Renews the tenant's lease when half of it is spent or half its TTL gone, or gives it back
 * (`givingBack`: no new lease, the unused tokens return to the bucket). Runs in waitUntil.
 */
async function renewIfDue(c: AdmissionContext, tenantId: string, lease: LocalLease, givingBack: boolean): Promise<void> {
  const renewal = givingBack || lease.renewalDue(Date.now()) ? lease.beginRenewal(Date.now(), givingBack) : undefined;
  if (!renewal) return;
  try {
    countControllerCall(c, tenantId, "renew");
    // The lag as last sampled; this sample is for the next renewal (a lease of cached reads runs no query that would take one).
    const lag = isolateEventLoopLag();
    const usage = { ...renewal.usage, isolateLagMs: lag.lagMs() };
    lag.poke((work) => c.executionCtx.waitUntil(work));
    const answer = await controllerNamed(c, leaseIssuers.get(tenantId) ?? tenantId).renewLease(renewal.id, usage, renewal.samples);
    lease.adopt(answer?.lease, Date.now());
    if (answer) {
      recentLoad.note(tenantId, answer.loadLevel);
      lastRateLimit.set(tenantId, answer.rateLimit);
    }
    if (answer?.lease) giveBackWhenIdle(c, tenantId, lease);
  } catch (err) {
    logControllerFailure("renew", tenantId, err);
    lease.renewalFailed();
  }
}

/**
 * A lease whose isolate goes quiet would lapse with its tokens still parked; half a TTL after
 * the last arrival it is given back instead (one timer per lease, kept alive by waitUntil).
 */
function giveBackWhenIdle(c: AdmissionContext, tenantId: string, lease: LocalLease): void {
  const held = lease.held;
  if (!held) return;
  const quietMs = held.ttlMs / 2;
  const check = async (): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    if (lease.held !== held) return; // renewed or dropped meanwhile: that lease has its own timer
    if (lease.idleSince(Date.now(), quietMs)) return renewIfDue(c, tenantId, lease, true);
    return check();
  };
  c.executionCtx.waitUntil(check());
}


/** The request's D1 time and queries, for the resource governor's demand and contention signal. */
function dbUseOf(c: AdmissionContext): { dbMs: number; dbQueries: number } {
  const { dbMsWithoutLag, dbQueries } = c.get("timings");
  return { dbMs: dbMsWithoutLag, dbQueries };
}

/**
 * An idempotent controller call (release, extendLease) that failed is sent once more, on a new
 * stub: a stub whose object was reset meanwhile (evicted, crashed) stays broken, and the slot
 * would otherwise wait for its lease to expire, or lapse while its work still runs.
 */
async function onceMore<T>(c: AdmissionContext, controllerName: string, stub: Controller, call: (stub: Controller) => Promise<T>): Promise<T> {
  try {
    return await call(stub);
  } catch {
    return call(controllerNamed(c, controllerName));
  }
}

/**
 * How admitted work ended, as the limiter reads it, once it settles. Client errors (404, 409, …)
 * mean the service worked; only server failures teach the limiter; success past the deadline
 * is a timeout.
 */
async function outcomeOf(running: Promise<Response>, deadline: number): Promise<ReleaseOutcome> {
  const ended = await running.then(
    (res): ReleaseOutcome => (res.status >= 500 ? "error" : "success"),
    (err: unknown): ReleaseOutcome => (err instanceof ApiError && err.status < 500 ? "success" : "error"),
  );
  return ended === "success" && Date.now() > deadline ? "timeout" : ended;
}

async function runWork(c: AdmissionContext, work: () => Promise<Response>): Promise<Response> {
  await injectFaults(c);
  return work();
}

const isRead = (method: string) => method === "GET" || method === "HEAD";

/** The work's answer, or a 503 `deadline` if the deadline comes first (the work runs on, its slot held). */
function beforeDeadline(running: Promise<Response>, deadline: number): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ApiError("overloaded", rejectionDetail("deadline"), { headers: { "retry-after": "1" }, extensions: { reason: "deadline", reasonDetail: "ran_past_deadline", retryAfterMs: 1000 } })),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([running, expired]).finally(() => clearTimeout(timer));
}

function logControllerFailure(call: "acquire" | "release" | "extend" | "renew", tenantId: string, err: unknown): void {
  console.error(JSON.stringify({ level: "error", event: "admission_controller_call_failed", call, tenant: tenantId, error: String(err) }));
}

function rejectionDetail(reason: string): string {
  switch (reason) {
    case "rate_limited":
      return "The tenant is over its rate budget; retry after the time in Retry-After";
    case "queue_full":
      return "The tenant's queue is full; retry after the time in Retry-After";
    case "deadline":
      return "The request could not be served before its deadline";
    default:
      return SHED_DETAIL;
  }
}
