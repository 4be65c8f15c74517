import type { Context } from "hono";
import type { AcquireResult, LoadLevel, ReleaseOutcome, RequestPriority } from "../../durable-objects/admission/contract";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";
import { AdaptiveThrottle } from "./adaptive-throttle";
import { admissionController } from "./controller";
import { requestDeadline } from "./deadline";
import { injectFaults } from "./faults";
import { rateLimitHeaders, retryAfterSeconds } from "./headers";
import { isHigher, requestPriority } from "./priority";
import { RecentLoad } from "./recent-load";

type AdmissionContext = Context<AppEnv, string, object>;

/** Per isolate: refuses locally, without an RPC, what the controller is refusing anyway. */
const isolateThrottle = new AdaptiveThrottle();
/** Tenants whose controller this isolate has already reached (so it holds a quota). */
const configuredControllers = new Set<string>();
/** The load level each tenant's controller reported lately (for degrading before asking). */
const recentLoad = new RecentLoad();

export interface AdmittedOptions<R> {
  /**
   * Called instead of asking the controller while this isolate knows the tenant to be under
   * load (a grant or refusal said so in the last 2 s). It may answer from memory (a degraded
   * answer that needs no D1 and so no slot), throw a refusal, or return undefined to go on.
   */
  underLoad?: (level: LoadLevel) => R | undefined;
  /** Under load, may raise this request's priority (still capped at the tenant's maxPriority). */
  promote?: (level: LoadLevel) => RequestPriority | undefined;
}

/**
 * The admission step (DESIGN.md sections 1 and 4). A handler runs its work through
 * `admitted(c, work)`, after validation (hono-zod-openapi runs validators before the handler)
 * so invalid input never spends budget. One RPC to the tenant's AdmissionController before
 * the work; the release goes through waitUntil, off the response path.
 */
export async function admitted<R>(c: AdmissionContext, work: () => Promise<R>, options: AdmittedOptions<R> = {}): Promise<R> {
  const tenant = c.get("tenant");
  const routeKey = `${c.req.method} ${c.req.routePath}`;
  let priority = requestPriority({ xPriority: c.req.header("x-priority"), priority: c.req.header("priority") }, routeKey, tenant.quota.maxPriority);
  c.set("routeKey", routeKey);
  c.set("requestPriority", priority);
  c.set("loadLevel", "normal");
  if (!c.get("config").admissionControl) return runAdmitted(c, work);

  const knownLevel = recentLoad.level(tenant.id);
  if (knownLevel !== "normal" && options.underLoad) {
    c.set("loadLevel", knownLevel);
    const answer = options.underLoad(knownLevel);
    if (answer !== undefined) return answer;
  }
  const promoted = knownLevel !== "normal" ? options.promote?.(knownLevel) : undefined;
  if (promoted && isHigher(promoted, priority)) {
    priority = isHigher(promoted, tenant.quota.maxPriority) ? tenant.quota.maxPriority : promoted;
    c.set("requestPriority", priority);
  }
  const deadline = requestDeadline(Date.now(), tenant.quota.timeoutMs, c.req.header("x-request-timeout-ms"));
  const local = isolateThrottle.shouldRefuse(tenant.id, priority, Date.now(), Math.random());
  if (local.refuse) {
    c.set("refusal", "shed");
    throw new ApiError("overloaded", rejectionDetail("shed"), {
      headers: { "retry-after": retryAfterSeconds(local.retryAfterMs) },
      extensions: { reason: "shed", retryAfterMs: Math.ceil(local.retryAfterMs), decidedBy: "edge" },
    });
  }
  const controller = admissionController(c, tenant.id);
  const asked = performance.now();
  let decision: AcquireResult;
  try {
    const request = { priority, cost: tenant.quota.routeCosts[routeKey] ?? 1, deadline, route: routeKey };
    // The controller needs the quota only before its first configuration; after that it keeps
    // its own (stored) copy, so the quota is not re-serialised into every RPC.
    decision = configuredControllers.has(tenant.id) ? await controller.acquire(request) : await controller.acquire(request, tenant.quota);
    configuredControllers.add(tenant.id);
  } catch {
    // The controller restarted or is unreachable: fail closed, fast, and say when to come back.
    throw new ApiError("overloaded", "Admission control is momentarily unavailable", { headers: { "retry-after": "1" }, extensions: { reason: "unavailable" } });
  }
  c.get("timings").queueMs = performance.now() - asked;
  // A 429 is the tenant's budget, not overload: for the throttle it counts as accepted.
  const overloadRefusal = !decision.granted && decision.reason !== "rate_limited";
  isolateThrottle.record(tenant.id, priority, !overloadRefusal, decision.granted ? 0 : decision.retryAfterMs, Date.now());
  recentLoad.note(tenant.id, decision.loadLevel);
  for (const [name, value] of Object.entries(rateLimitHeaders(decision.rateLimit))) c.header(name, value);

  if (!decision.granted) {
    c.set("refusal", decision.reason);
    const rateLimited = decision.reason === "rate_limited";
    throw new ApiError(rateLimited ? "rate_limited" : "overloaded", rejectionDetail(decision.reason), {
      headers: { "retry-after": retryAfterSeconds(decision.retryAfterMs) },
      extensions: { reason: decision.reason, retryAfterMs: Math.ceil(decision.retryAfterMs) },
    });
  }

  c.set("loadLevel", decision.loadLevel);
  const started = performance.now();
  let outcome: ReleaseOutcome = "success";
  try {
    const result = await runAdmitted(c, work);
    if (result instanceof Response && result.status >= 500) outcome = "error";
    return result;
  } catch (err) {
    // Client errors (404, 409, …) mean the service worked; only server failures teach the limiter.
    if (!(err instanceof ApiError) || err.status >= 500) outcome = "error";
    throw err;
  } finally {
    if (Date.now() > deadline && outcome === "success") outcome = "timeout";
    const report = { latencyMs: performance.now() - started, outcome };
    c.executionCtx.waitUntil(controller.release(decision.ticket, report).catch(() => undefined));
  }
}

async function runAdmitted<R>(c: AdmissionContext, work: () => Promise<R>): Promise<R> {
  await injectFaults(c);
  return work();
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
      return "The service is shedding load to protect higher-priority requests";
  }
}
