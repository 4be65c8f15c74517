import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { dashboardPage } from "../dashboard/dashboard-page";
import { CONTENT_TYPE } from "../../durable-objects/monitor/exposition/prometheus-text";
import { isolateRecorder, MONITOR_NAME, monitorSender } from "../telemetry/isolate-telemetry";
import { problemResponses } from "../schemas/common";
import { AlertsSchema, DashboardDataSchema, DashboardQuerySchema, PerformanceQuerySchema, PerformanceReportSchema } from "../schemas/monitoring";
import { adminSecurity as security, jsonResponse } from "./openapi-helpers";
import { createRouteApp } from "./route-app";

/**
 * Monitoring outputs, all answered by the Monitor DO. The app puts admin-token auth in
 * front of /metrics and /admin/*; /dashboard is public HTML that asks for the token and
 * sends it as `Authorization: Bearer` to /admin/dashboard-data and /admin/alerts.
 */
export const monitoringRoutes = createRouteApp();

const monitor = (env: Env) => env.MONITOR.get(env.MONITOR.idFromName(MONITOR_NAME));

/**
 * The Monitor, once it holds every request this isolate has answered: other isolates flush
 * on their interval, but a reader should at least see the requests of the isolate it asked.
 */
async function currentMonitor(c: Context<AppEnv>) {
  const config = c.get("config");
  if (config?.telemetry) await isolateRecorder(config).flushNow(Date.now(), monitorSender(c.env));
  return monitor(c.env);
}

const noStore = { "cache-control": "no-store" };

monitoringRoutes.openapi(
  createRoute({
    method: "get",
    path: "/metrics",
    operationId: "getMetrics",
    tags: ["monitoring"],
    summary: "Prometheus text exposition of every metric",
    description: "Text format 0.0.4. Flushes this isolate's telemetry first, so the scrape includes the requests it answered.",
    security,
    responses: {
      200: { description: "The metrics", content: { "text/plain": { schema: z.string().openapi({ example: "taskflow_http_requests_total{...} 42" }) } } },
      ...problemResponses(401, 403),
    },
  }),
  async (c) => {
    const text = await (await currentMonitor(c)).metricsText();
    return c.text(text, 200, { "content-type": CONTENT_TYPE, ...noStore });
  },
);

monitoringRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/performance",
    operationId: "getPerformanceReport",
    tags: ["monitoring"],
    summary: "Performance report: windows, percentiles, recommendations",
    security,
    request: { query: PerformanceQuerySchema },
    responses: { 200: jsonResponse(PerformanceReportSchema, "The report over 1m, 5m and 1h, or the one asked for"), ...problemResponses(400, 401, 403) },
  }),
  async (c) => {
    const { window } = c.req.valid("query");
    const report = await (await currentMonitor(c)).performanceReport();
    if (window === undefined) return c.json(report, 200, noStore);
    return c.json({ ...report, windows: { [window]: report.windows[window] } }, 200, noStore);
  },
);

monitoringRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/alerts",
    operationId: "listAlerts",
    tags: ["monitoring"],
    summary: "Active alerts and those closed in the last 7 days",
    security,
    responses: { 200: jsonResponse(AlertsSchema, "Alerts with start and end"), ...problemResponses(401, 403) },
  }),
  async (c) => c.json(await monitor(c.env).alerts(), 200, noStore),
);

monitoringRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/dashboard-data",
    operationId: "getDashboardData",
    tags: ["monitoring"],
    summary: "The dashboard's series: one point per minute",
    security,
    request: { query: DashboardQuerySchema },
    responses: { 200: jsonResponse(DashboardDataSchema, "Per-minute points, tenant gauges and alerts"), ...problemResponses(400, 401, 403) },
  }),
  async (c) => c.json(await (await currentMonitor(c)).dashboardData(c.req.valid("query").minutes), 200, noStore),
);

/** Not in the OpenAPI document: a page for people, not an operation for clients. */
monitoringRoutes.get("/dashboard", (c) => {
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  return c.html(dashboardPage(nonce), 200, {
    "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
  });
});
