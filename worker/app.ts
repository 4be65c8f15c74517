import { admissionStep } from "./admission/admission-step";
import { declaredRoutes } from "./admission/route-admission";
import { chaosStep } from "./chaos/chaos-step";
import type { AppEnv } from "./app-env";
import { isolateTaskReads, type TaskReadCaches } from "./cache/task-read-caches";
import { ApiError, onError } from "./errors";
import { adminAuth, tenantAuth } from "./middleware/auth";
import { limitBody, requireJsonBody } from "./middleware/body-guards";
import { corsPolicy } from "./middleware/cors-policy";
import { requestContext } from "./middleware/request-context";
import { noStore, securityHeaders } from "./middleware/security-headers";
import { serverTiming } from "./middleware/server-timing";
import { useTaskReads } from "./middleware/task-reads";
import { adminApp } from "./routes/admin";
import { docsApp } from "./routes/docs";
import { governorRoutes } from "./routes/governor";
import { healthApp } from "./routes/health";
import { monitoringRoutes } from "./routes/monitoring";
import { openApiDocument, registerSharedComponents } from "./routes/openapi-document";
import { telemetry } from "./middleware/telemetry";
import { createRouteApp } from "./routes/route-app";
import { tasksApp } from "./routes/tasks";
import { usersApp } from "./routes/users";

/**
 * The request path of DESIGN.md section 1: context → body guards → auth → admission step →
 * (per route) validation → acquire → handler → release. Each /v1 route declares its admission
 * in its createRoute; the step reads it, and the acquire waits until the route's validators
 * have passed (see routes/route-app.ts). Every failure leaves through `onError` as problem+json.
 */
export function createApp({ taskReads = isolateTaskReads }: { taskReads?: TaskReadCaches } = {}) {
  const app = createRouteApp();

  // Private answers, first of all, so a request refused before auth (413, 415) is covered too.
  for (const privatePaths of ["/v1/*", "/admin/*", "/metrics"]) app.use(privatePaths, noStore);
  app.use("*", securityHeaders, requestContext, corsPolicy, telemetry, limitBody, requireJsonBody);
  app.use("/v1/*", serverTiming, useTaskReads(taskReads), tenantAuth, chaosStep, admissionStep);
  app.use("/admin/*", adminAuth, async (c, next) => {
    // Quotas name routes by key ("GET /v1/tasks/stats"): checked against the routes that exist.
    c.set("routeKeys", admittedRouteKeys);
    c.set("declaredRouteCosts", declaredRouteCosts);
    await next();
  });
  app.use("/metrics", adminAuth);

  app.route("/", healthApp);
  app.route("/v1/tasks", tasksApp);
  app.route("/v1/users", usersApp);
  app.route("/admin", adminApp);
  app.route("/", monitoringRoutes);
  app.route("/", governorRoutes);

  registerSharedComponents(app.openAPIRegistry);
  // The document and its viewer describe the API; they are not operations of it.
  app.get("/openapi.json", (c) => c.json(openApiDocument(app)));
  app.route("/", docsApp);

  const admitted = [...declaredRoutes(app.routes)].filter(([key, admission]) => admission.admitted && key.includes(" /v1/"));
  const admittedRouteKeys: ReadonlySet<string> = new Set(admitted.map(([key]) => key));
  const declaredRouteCosts: Readonly<Record<string, number>> = Object.fromEntries(
    admitted.flatMap(([key, admission]) => (admission.admitted && admission.cost !== 1 ? [[key, admission.cost]] : [])),
  );

  app.notFound((c) => {
    throw new ApiError("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`);
  });
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
