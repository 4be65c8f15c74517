import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";
import { dashboardPage } from "../dashboard/dashboard-page";
import { REPORT_WINDOWS, type ReportWindow } from "../../durable-objects/monitor/reports/performance-report";
import { CONTENT_TYPE } from "../../durable-objects/monitor/exposition/prometheus-text";
import { MONITOR_NAME } from "../telemetry/isolate-telemetry";

/**
 * Monitoring outputs, all answered by the Monitor DO. The app puts admin-token auth in
 * front of /metrics and /admin/*; /dashboard is public HTML that asks for the token and
 * sends it as `Authorization: Bearer` to /admin/dashboard-data and /admin/alerts.
 */
export const monitoringRoutes = new Hono<AppEnv>();

const monitor = (env: Env) => env.MONITOR.get(env.MONITOR.idFromName(MONITOR_NAME));

monitoringRoutes.get("/metrics", async (c) => {
  const text = await monitor(c.env).metricsText();
  return c.body(text, 200, { "content-type": CONTENT_TYPE, "cache-control": "no-store" });
});

/** `?window=1m|5m|1h` narrows the report to one window; without it all three are returned. */
monitoringRoutes.get("/admin/performance", async (c) => {
  const window = c.req.query("window");
  if (window !== undefined && !(window in REPORT_WINDOWS)) {
    throw new ApiError("invalid_input", `window must be one of ${Object.keys(REPORT_WINDOWS).join(", ")}`, {
      errors: [{ path: "query.window", message: `expected one of ${Object.keys(REPORT_WINDOWS).join(", ")}` }],
    });
  }
  const report = await monitor(c.env).performanceReport();
  if (window === undefined) return c.json(report, 200, { "cache-control": "no-store" });
  const w = window as ReportWindow;
  return c.json({ ...report, windows: { [w]: report.windows[w] } }, 200, { "cache-control": "no-store" });
});

monitoringRoutes.get("/admin/alerts", async (c) => c.json(await monitor(c.env).alerts(), 200, { "cache-control": "no-store" }));

/** The dashboard's chart data: `?minutes=N` (1-60, default 30) one-minute points. */
monitoringRoutes.get("/admin/dashboard-data", async (c) => {
  const raw = c.req.query("minutes") ?? "30";
  const minutes = Number(raw);
  if (!/^\d+$/.test(raw) || minutes < 1 || minutes > 60) {
    throw new ApiError("invalid_input", "minutes must be an integer from 1 to 60", { errors: [{ path: "query.minutes", message: "integer from 1 to 60" }] });
  }
  return c.json(await monitor(c.env).dashboardData(minutes), 200, { "cache-control": "no-store" });
});

monitoringRoutes.get("/dashboard", (c) => {
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  return c.html(dashboardPage(nonce), 200, {
    "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
  });
});
