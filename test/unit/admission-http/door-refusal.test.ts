import { describe, expect, it } from "vitest";
import type { RequestPriority } from "../../../durable-objects/contracts/admission";
import { doorRoutes, refuseAtDoor, type DoorDeps } from "../../../worker/admission/door-refusal";
import { admit, notAdmitted, type RouteAdmission } from "../../../worker/admission/route-admission";
import { ApiError } from "../../../worker/errors";
import type { TenantContext } from "../../../worker/app-env";
import { parseConfig } from "../../../worker/config";
import { resolveQuota } from "../../../worker/schemas/quota";
import type { RequestRecord } from "../../../worker/telemetry/recorder";
import { shippedVars } from "../shipped-vars";

const KEY = "tfk_abcdefgh_0123456789abcdef0123456789abcdef";
const config = parseConfig({ ...shippedVars(), ADMISSION_CONTROL: "on" });
const tenant: TenantContext = { id: "t1", name: "one", quota: resolveQuota(null, config) };

/** A refuse-only rule like the list's: a low search is paused once the tenant is overloaded. */
const pauseLowSearch = new ApiError("overloaded", "paused", { headers: { "retry-after": "5", "x-degraded": "search" }, extensions: { reason: "shed", reasonDetail: "search_paused" } });
const routes = doorRoutes(
  new Map<string, RouteAdmission>([
    ["GET /v1/tasks", admit("normal", { refuseUnderLoad: (request, level) => (request.query("q") && level === "overloaded" && request.priority === "low" ? pauseLowSearch : undefined) })],
    ["POST /v1/tasks", admit("high")],
  ]),
);

/** A door whose throttle refuses every priority it is asked about, recording what it saw. */
function door(overrides: Partial<DoorDeps> = {}) {
  const asked: RequestPriority[] = [];
  const marked: Request[] = [];
  const records: RequestRecord[] = [];
  const arrivals: string[] = [];
  const deps: DoorDeps = {
    config,
    routes,
    knownTenant: (authorization) => (authorization === `Bearer ${KEY}` ? tenant : undefined),
    knownLevel: () => "elevated",
    throttle: (_tenantId, priority) => {
      asked.push(priority);
      return { retryAfterMs: 1500 };
    },
    noteArrival: (tenantId) => arrivals.push(tenantId),
    markAsked: (request) => marked.push(request),
    rateLimitHeaders: (tenantId): Record<string, string> => (tenantId === tenant.id ? { ratelimit: '"default";r=7;t=3', "ratelimit-policy": '"default";q=100;w=60' } : {}),
    record: (r) => records.push(r),
    now: () => 0,
    ...overrides,
  };
  return { deps, asked, marked, records, arrivals };
}

const request = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  new Request(`https://api.example${path}`, { method, headers: { authorization: `Bearer ${KEY}`, ...headers } });
const keepAlive = () => {};

describe("refusing at the door", () => {
  it("answers what the throttle refuses with the app's shed problem+json, and records it", async () => {
    const { deps, records, arrivals } = door();
    const res = refuseAtDoor(request("/v1/tasks?limit=20&q=x", { "x-priority": "low" }), deps, keepAlive);
    expect(res?.status).toBe(503);
    expect(res?.headers.get("content-type")).toBe("application/problem+json");
    expect(res?.headers.get("retry-after")).toBe("2");
    expect(res?.headers.get("cache-control")).toBe("no-store");
    // The tenant's budget as this isolate last heard it, as on every tenant response.
    expect(res?.headers.get("ratelimit")).toBe('"default";r=7;t=3');
    expect(res?.headers.get("ratelimit-policy")).toBe('"default";q=100;w=60');
    expect(res?.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res?.json()).toEqual({
      type: "/problems/overloaded",
      title: "Service overloaded",
      status: 503,
      detail: "The service is shedding load to protect higher-priority requests",
      reason: "shed",
      retryAfterMs: 1500,
      decidedBy: "edge",
    });
    expect(records).toEqual([expect.objectContaining({ route: "/v1/tasks", method: "GET", status: 503, tenant: "t1", priority: "low", outcome: "shed" })]);
    // Its arrival counts for the tenant's isolate lease, as in the app; no Vary without CORS origins.
    expect(arrivals).toEqual(["t1"]);
    expect(res?.headers.get("vary")).toBeNull();
  });

  it("says Vary: Origin, as the app does on every answer, once CORS origins are configured", () => {
    const { deps } = door({ config: { ...config, corsAllowedOrigins: ["https://app.example"] } });
    expect(refuseAtDoor(request("/v1/tasks"), deps, keepAlive)?.headers.get("vary")).toBe("Origin");
  });

  it("asks the throttle with the route's default priority, capped at the tenant's maxPriority", () => {
    const { deps, asked } = door();
    refuseAtDoor(request("/v1/tasks"), deps, keepAlive);
    refuseAtDoor(request("/v1/tasks", {}, "POST"), deps, keepAlive);
    refuseAtDoor(request("/v1/tasks", { priority: "u=6" }), deps, keepAlive);
    const capped = door({ knownTenant: () => ({ ...tenant, quota: { ...tenant.quota, maxPriority: "normal" } }) });
    refuseAtDoor(request("/v1/tasks", { "x-priority": "high" }), capped.deps, keepAlive);
    expect([...asked, ...capped.asked]).toEqual(["normal", "high", "low", "normal"]);
  });

  it("asks nothing while the tenant is not known to be under load (a lease may admit then)", () => {
    const { deps, asked, marked } = door({ knownLevel: () => "normal" });
    expect(refuseAtDoor(request("/v1/tasks", { "x-priority": "low" }), deps, keepAlive)).toBeUndefined();
    expect(asked).toEqual([]);
    expect(marked).toEqual([]);
  });

  it("applies the route's refuse-only rule before the throttle, as the app does", async () => {
    const { deps, asked, records } = door({ knownLevel: () => "overloaded" });
    const paused = refuseAtDoor(request("/v1/tasks?limit=5&q=report", { "x-priority": "low" }), deps, keepAlive);
    expect(paused?.status).toBe(503);
    expect(paused?.headers.get("x-degraded")).toBe("search");
    expect(paused?.headers.get("retry-after")).toBe("5");
    expect(await paused?.json()).toMatchObject({ reason: "shed", reasonDetail: "search_paused" });
    expect(asked).toEqual([]);
    expect(records).toEqual([expect.objectContaining({ status: 503, priority: "low" })]);
    expect(records[0]?.outcome).toBeUndefined();
    // Not a search, or not low: the rule lets it go on to the throttle.
    refuseAtDoor(request("/v1/tasks?limit=5", { "x-priority": "low" }), deps, keepAlive);
    refuseAtDoor(request("/v1/tasks?q=report", { "x-priority": "normal" }), deps, keepAlive);
    expect(asked).toEqual(["low", "normal"]);
  });

  it("lets through what the throttle lets through, marked so the app does not ask again", () => {
    const { deps, marked, arrivals } = door({ throttle: () => undefined });
    const req = request("/v1/tasks");
    expect(refuseAtDoor(req, deps, keepAlive)).toBeUndefined();
    expect(marked).toEqual([req]);
    // The app counts the arrival of a request it serves.
    expect(arrivals).toEqual([]);
  });

  it("leaves to the app every request it could answer differently", () => {
    const { deps, asked, marked } = door();
    const passes = [
      request("/v1/tasks", { "x-priority": "critical" }),
      request("/v1/tasks", { origin: "https://app.example" }),
      request("/v1/tasks/9f8e", { "x-priority": "low" }),
      request("/v1/tasks", {}, "DELETE"),
      // A body: the app's guards answer 413/415 before any admission.
      new Request("https://api.example/v1/tasks", { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "text/plain" }, body: "x" }),
      // An X-Request-Timeout-Ms the app answers with a 400.
      request("/v1/tasks", { "x-request-timeout-ms": "soon" }),
      request("/v1/tasks", { "x-request-timeout-ms": "0" }),
      new Request("https://api.example/v1/tasks", { headers: { authorization: "Bearer tfk_other_key" } }),
      new Request("https://api.example/v1/tasks"),
    ];
    for (const req of passes) expect(refuseAtDoor(req, deps, keepAlive)).toBeUndefined();
    expect(asked).toEqual([]);
    expect(marked).toEqual([]);
  });

  it("stays shut with admission off, with the peer, and for injected faults when fault injection is on", () => {
    const off = door({ config: { ...config, admissionControl: false } });
    const peer = door({ config: { ...config, admissionPeer: "rate-limit-binding" } });
    const faults = door({ config: { ...config, faultInjection: true } });
    expect(refuseAtDoor(request("/v1/tasks"), off.deps, keepAlive)).toBeUndefined();
    expect(refuseAtDoor(request("/v1/tasks"), peer.deps, keepAlive)).toBeUndefined();
    expect(refuseAtDoor(request("/v1/tasks", { "x-fault-delay-ms": "50" }), faults.deps, keepAlive)).toBeUndefined();
    expect(refuseAtDoor(request("/v1/tasks"), faults.deps, keepAlive)?.status).toBe(503);
    expect([...off.asked, ...peer.asked, ...faults.asked]).toEqual(["normal"]);
  });
});

describe("the routes at the door", () => {
  it("are the admitted /v1 routes without path parameters and without an under-load policy that may answer", () => {
    const table = doorRoutes(
      new Map<string, RouteAdmission>([
        ["GET /v1/tasks", admit("normal", { refuseUnderLoad: () => undefined })],
        ["GET /v1/tasks/stats", admit("low", { underLoad: () => ({ kind: "admit" }) })],
        ["GET /v1/tasks/:id", admit("high")],
        ["POST /v1/tasks/batch", admit("low", { cost: 5 })],
        ["GET /v1/openapi", notAdmitted("public")],
        ["GET /admin/governor", admit("normal")],
      ]),
    );
    expect([...table]).toEqual([
      ["GET /v1/tasks", { template: "/v1/tasks", priority: "normal", refuseUnderLoad: expect.any(Function) }],
      ["POST /v1/tasks/batch", { template: "/v1/tasks/batch", priority: "low" }],
    ]);
  });
});
