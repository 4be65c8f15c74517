import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { admit, admissionOf, declaredRoutes, routeKey } from "../../worker/admission/route-admission";
import { createApp } from "../../worker/app";
import { createRouteApp } from "../../worker/routes/route-app";
import { ADMIN_TOKEN, call, createTenant, json } from "./helpers";

type HonoRoute = { method: string; path: string; handler: object };

/** /v1 routes whose handler carries no admission declaration, as route keys. */
function undeclaredV1Routes(routes: readonly HonoRoute[]): string[] {
  const byKey = new Map<string, boolean>();
  for (const route of routes) {
    if (route.method === "ALL" || !route.path.startsWith("/v1")) continue;
    const key = routeKey(route.method, route.path);
    byKey.set(key, (byKey.get(key) ?? false) || admissionOf(route.handler) !== undefined);
  }
  return [...byKey].filter(([, declared]) => !declared).map(([key]) => key);
}

describe("admission declared with each route", () => {
  it("every /v1 route of the app declares its admission", () => {
    const app = createApp();
    const v1Routes = app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/v1"));
    expect(v1Routes.length).toBeGreaterThanOrEqual(12);
    expect(undeclaredV1Routes(app.routes)).toEqual([]);
    const table = declaredRoutes(app.routes);
    expect(table.get("GET /v1/tasks/stats")).toMatchObject({ admitted: true, priority: "low", cost: 5 });
    expect(table.get("POST /v1/tasks")).toMatchObject({ admitted: true, priority: "high", cost: 1 });
  });

  it("the walk catches a /v1 route registered without a declaration", () => {
    const sub = createRouteApp();
    sub.openapi(createRoute({ method: "get", path: "/", responses: { 200: { description: "ok" } } }), (c) => c.json({}, 200));
    sub.openapi(
      createRoute({ method: "get", path: "/{id}", request: { params: z.object({ id: z.string() }) }, responses: { 200: { description: "ok" } }, admission: admit("low") }),
      (c) => c.json({}, 200),
    );
    const app = createRouteApp();
    app.route("/v1/things", sub);
    expect(undeclaredV1Routes(app.routes)).toEqual(["GET /v1/things"]);
  });

  it("publishes each route's default priority and cost in the API document", async () => {
    const doc = await json<{ paths: Record<string, Record<string, { "x-admission"?: unknown }>> }>(await call("GET", "/openapi.json"));
    expect(doc.paths["/v1/tasks/stats"]?.get?.["x-admission"]).toEqual({ priority: "low", cost: 5 });
    expect(doc.paths["/v1/tasks/{id}"]?.patch?.["x-admission"]).toEqual({ priority: "high", cost: 1 });
    expect(doc.paths["/admin/tenants"]?.post?.["x-admission"]).toBeUndefined();
  });

  it("a declared cost is what the request takes from the bucket, and a quota may override it", async () => {
    const tenant = await createTenant({ rateLimit: { requests: 1, windowMs: 3_600_000, burst: 12 } });
    const tokens = async () => (await json<{ tokens: number }>(await call("GET", `/admin/tenants/${tenant.id}/admission`, { token: ADMIN_TOKEN }))).tokens;
    expect((await call("GET", "/v1/tasks/stats", { token: tenant.apiKey })).status).toBe(200);
    expect(await tokens()).toBeCloseTo(7, 0);
    const put = await call("PUT", `/admin/tenants/${tenant.id}/quota`, { token: ADMIN_TOKEN, body: { rateLimit: { requests: 1, windowMs: 3_600_000, burst: 12 }, routeCosts: { "GET /v1/tasks/stats": 2 } } });
    expect(put.status).toBe(200);
    const before = await tokens();
    expect((await call("GET", "/v1/tasks/stats", { token: tenant.apiKey })).status).toBe(200);
    expect(before - (await tokens())).toBeCloseTo(2, 0);
  });

  it("invalid input is refused before the controller is asked: no budget spent", async () => {
    const tenant = await createTenant({ rateLimit: { requests: 1, windowMs: 3_600_000, burst: 5 } });
    for (let i = 0; i < 10; i++) expect((await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "" } })).status).toBe(400);
    const state = await json<{ decisions: Record<string, number> }>(await call("GET", `/admin/tenants/${tenant.id}/admission`, { token: ADMIN_TOKEN }));
    expect(state.decisions.admitted ?? 0).toBe(0);
    expect((await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "valid" } })).status).toBe(201);
  });
});
