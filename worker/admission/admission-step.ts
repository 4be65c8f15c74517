import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";
import { requestDeadline } from "./deadline";
import { requestPriority } from "./priority";
import { admissionOf, answeringRoute, routeKey } from "./route-admission";

/**
 * The admission step of every /v1 route (DESIGN.md section 1, step 3). It reads the matched
 * route's declaration (`admission` in its createRoute) and the request's priority and deadline
 * headers; the acquire itself waits until the route's validators have passed (route-app.ts
 * runs it between them and the handler), so invalid input never spends budget.
 * A /v1 route with no declaration is a programming error: it fails closed rather than run
 * unadmitted (and a test walks every route so it never ships).
 */
export const admissionStep = createMiddleware<AppEnv>(async (c, next) => {
  const route = answeringRoute(matchedRoutes(c));
  // No route matched: the 404 needs no budget.
  if (!route) return next();
  const admission = admissionOf(route.handler);
  const key = routeKey(c.req.method, route.path);
  if (!admission) {
    console.error(JSON.stringify({ level: "error", event: "route_without_admission", route: key }));
    throw new ApiError("misconfigured", "This route declares no admission");
  }
  if (!admission.admitted) return next();
  const tenant = c.get("tenant");
  c.set("admission", {
    route: admission,
    routeKey: key,
    priority: requestPriority({ xPriority: c.req.header("x-priority"), priority: c.req.header("priority") }, admission.priority, tenant.quota.maxPriority),
    deadline: requestDeadline(Date.now(), tenant.quota.timeoutMs, c.req.header("x-request-timeout-ms")),
  });
  await next();
});
