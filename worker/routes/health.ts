import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { problemResponse } from "../schemas/common";
import { retryAfterHeaderRef } from "../schemas/admission-headers";
import { HealthSchema, ReadinessSchema } from "../schemas/monitoring";
import { jsonResponse, publicSecurity } from "./openapi-helpers";
import { createRouteApp } from "./route-app";

export const healthApp = createRouteApp();

/** Liveness: the isolate runs. Never touches a dependency. */
healthApp.openapi(
  createRoute({
    method: "get",
    path: "/healthz",
    operationId: "getLiveness",
    tags: ["health"],
    summary: "Liveness: the Worker runs",
    security: publicSecurity,
    responses: { 200: jsonResponse(HealthSchema, "The Worker answers") },
  }),
  (c) => c.json({ status: "ok" as const }, 200),
);

/** Readiness: D1 answers a trivial query. */
healthApp.openapi(
  createRoute({
    method: "get",
    path: "/readyz",
    operationId: "getReadiness",
    tags: ["health"],
    summary: "Readiness: D1 answers a trivial query",
    security: publicSecurity,
    responses: {
      200: jsonResponse(ReadinessSchema, "Ready, with the D1 round trip"),
      503: problemResponse(503, { description: "The database is not reachable", headers: retryAfterHeaderRef() }),
    },
  }),
  async (c) => {
    const started = performance.now();
    try {
      await c.env.DB.prepare("SELECT 1").first();
    } catch {
      throw new ApiError("unavailable", "The database is not reachable", { headers: { "retry-after": "5" } });
    }
    const ms = Math.round((performance.now() - started) * 100) / 100;
    return c.json({ status: "ready" as const, checks: { d1: { ok: true, ms } } }, 200);
  },
);
