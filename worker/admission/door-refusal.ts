import type { LoadLevel, RequestPriority } from "../../durable-objects/contracts/admission";
import type { Config } from "../config";
import type { TenantContext } from "../app-env";
import { ApiError, problemJson } from "../errors";
import type { RequestRecord } from "../telemetry/recorder";
import { variesByOrigin } from "../middleware/cors-policy";
import { serverTimingValue } from "../middleware/server-timing";
import { validRequestTimeout } from "./deadline";
import { retryAfterSeconds } from "./headers";
import { requestPriority } from "./priority";
import type { RouteAdmission, UnderLoadRefusal } from "./route-admission";

/**
 * Refusing at the door: a request this isolate's throttle refuses is answered from the
 * Worker's fetch entry, before the Hono app, its middleware chain, routing and validation run.
 * Under a flood most requests are refusals, and what a refusal costs the thread is what is
 * left over for the admitted work (bench/README.md, "What a refusal costs"); a door refusal
 * costs about a third of one through the app.
 *
 * The door answers only where the app would have answered the same (but for a query string
 * the route's validators would refuse: the door does not run them, README): a tenant request without
 * a body (the app's body guards answer 413/415 before admission, whatever the load) and with a
 * valid X-Request-Timeout-Ms if any, whose key this isolate already validated (its auth cache
 * entry, same TTL), on an admitted /v1 route without path parameters and without an under-load
 * policy that may answer from memory, while the tenant is known to be under load (no isolate
 * lease admits then). There it applies what the app applies first: the route's refuse-only
 * rule (a low search paused), then the throttle. Critical requests, browser requests (Origin:
 * CORS) and requests carrying injected faults always go to the app. The throttle is asked
 * once per request: a request the door lets through is not asked again.
 */

export interface DoorRoute {
  /** The route template, the telemetry label ("/v1/tasks"). */
  template: string;
  /** The request priority when the client names none. */
  priority: RequestPriority;
  refuseUnderLoad?: UnderLoadRefusal;
}

/** What the door needs from the isolate; injected so the rule is testable without Workers. */
export interface DoorDeps {
  config: Config;
  routes: ReadonlyMap<string, DoorRoute>;
  /** The tenant of an API key this isolate validated, if it is still cached. */
  knownTenant: (authorization: string | null) => TenantContext | undefined;
  /** The tenant's load level as this isolate last heard it (admission-run.ts). */
  knownLevel: (tenantId: string) => LoadLevel;
  /** The isolate throttle's refusal, if it refuses (admission-run.ts). */
  throttle: (tenantId: string, priority: RequestPriority) => { retryAfterMs: number } | undefined;
  /** Counts a refused arrival for the tenant's isolate lease, as the app does before its throttle (demand, idleness). */
  noteArrival: (tenantId: string) => void;
  /** Marks a request the throttle let through, so the app does not ask it twice. */
  markAsked: (request: Request) => void;
  /** The RateLimit headers of the tenant's budget as this isolate last heard it (admission-run.ts). */
  rateLimitHeaders: (tenantId: string) => Record<string, string>;
  /** Records the refusal in telemetry; a flush that falls due is kept alive by `keepAlive`. */
  record: (r: RequestRecord, keepAlive: (work: Promise<unknown>) => void) => void;
  now: () => number;
}

/** The routes the door may answer, by "METHOD /path", from the app's declared routes. */
export function doorRoutes(declared: ReadonlyMap<string, RouteAdmission>): Map<string, DoorRoute> {
  const routes = new Map<string, DoorRoute>();
  for (const [key, admission] of declared) {
    const [method, path] = key.split(" ");
    if (!method || !path || !path.startsWith("/v1/") || path.includes(":") || !admission.admitted || admission.underLoad) continue;
    routes.set(key, { template: path, priority: admission.priority, ...(admission.refuseUnderLoad ? { refuseUnderLoad: admission.refuseUnderLoad } : {}) });
  }
  return routes;
}

/** The door's answer for this request, or undefined: the app serves it. */
export function refuseAtDoor(request: Request, deps: DoorDeps, keepAlive: (work: Promise<unknown>) => void): Response | undefined {
  const { config } = deps;
  if (!config.admissionControl || config.admissionPeer !== null) return undefined;
  const startedAt = deps.now();
  const route = deps.routes.get(`${request.method} ${pathOf(request.url)}`);
  if (!route) return undefined;
  const headers = request.headers;
  if (request.body !== null || headers.has("origin") || (config.faultInjection && carriesFault(headers))) return undefined;
  // The app answers a malformed X-Request-Timeout-Ms with a 400 before admission.
  if (!validRequestTimeout(headers.get("x-request-timeout-ms") ?? undefined)) return undefined;
  const tenant = deps.knownTenant(headers.get("authorization"));
  if (!tenant) return undefined;
  const priority = requestPriority({ xPriority: headers.get("x-priority") ?? undefined, priority: headers.get("priority") ?? undefined }, route.priority, tenant.quota.maxPriority);
  if (priority === "critical") return undefined;
  const level = deps.knownLevel(tenant.id);
  if (level === "normal") return undefined;

  const answer = (error: ApiError, outcome?: "shed"): Response => {
    const totalMs = deps.now() - startedAt;
    deps.record({ route: route.template, method: request.method, status: error.status, tenant: tenant.id, priority, durationMs: totalMs, queueMs: 0, dbMs: 0, ...(outcome ? { outcome } : {}) }, keepAlive);
    return new Response(problemJson(error), {
      status: error.status,
      headers: {
        ...SECURITY_HEADERS,
        "content-type": "application/problem+json",
        ...deps.rateLimitHeaders(tenant.id),
        ...error.headers,
        "cache-control": "no-store",
        ...(variesByOrigin(config.corsAllowedOrigins) ? { vary: "Origin" } : {}),
        "server-timing": serverTimingValue(0, 0, totalMs),
      },
    });
  };
  if (route.refuseUnderLoad) {
    let params: URLSearchParams | undefined;
    const refusal = route.refuseUnderLoad({ query: (name) => (params ??= new URL(request.url).searchParams).get(name) ?? undefined, priority }, level);
    if (refusal) return answer(refusal);
  }
  const throttled = deps.throttle(tenant.id, priority);
  if (!throttled) {
    deps.markAsked(request);
    return undefined;
  }
  // Only a request the door keeps: one it lets through has its arrival noted by the app.
  deps.noteArrival(tenant.id);
  return answer(shedAtEdge(throttled.retryAfterMs), "shed");
}

/** The throttle's refusal, the same from the door and from the app (admission-run.ts). */
export function shedAtEdge(retryAfterMs: number): ApiError {
  return new ApiError("overloaded", SHED_DETAIL, {
    headers: { "retry-after": retryAfterSeconds(retryAfterMs) },
    extensions: { reason: "shed", retryAfterMs: Math.ceil(retryAfterMs), decidedBy: "edge" },
  });
}

/** The detail of every shed refusal, the door's and the app's (admission-run.ts). */
export const SHED_DETAIL = "The service is shedding load to protect higher-priority requests";

/**
 * What the app's security-headers middleware (hono's secureHeaders defaults) puts on every
 * answer; a workerd test compares a door refusal's headers with the app's own refusal.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "cross-origin-resource-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=15552000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "SAMEORIGIN",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
};

/** The path of an absolute URL without parsing all of it (this runs on every request). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  let end = url.length;
  const query = url.indexOf("?", start);
  if (query >= 0) end = query;
  const hash = url.indexOf("#", start);
  if (hash >= 0 && hash < end) end = hash;
  return url.slice(start, end);
}

function carriesFault(headers: Headers): boolean {
  for (const name of headers.keys()) if (name.startsWith("x-fault-")) return true;
  return false;
}
