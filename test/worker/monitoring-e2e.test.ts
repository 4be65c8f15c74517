import { env } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { configOf } from "../../worker/config";
import { isolateRecorder, monitorSender } from "../../worker/telemetry/isolate-telemetry";
import { ADMIN_TOKEN, call, createTenant, generousQuota, json } from "./helpers";

/** Requests through the whole Worker show up in /metrics, /admin/performance and the dashboard data. */
async function flushNow(): Promise<void> {
  const pending: Promise<unknown>[] = [];
  // Far enough in the future that the interval has passed: flush whatever this isolate holds.
  isolateRecorder(configOf(env)).flushIfDue(Date.now() + 3_600_000, monitorSender(env), (p) => pending.push(p));
  await Promise.all(pending);
}

describe("monitoring end to end", () => {
  it("counts tenant requests by route template, priority and status, with admission gauges", async () => {
    const tenant = await createTenant(generousQuota);
    for (let i = 0; i < 5; i++) expect((await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: `t${i}` } })).status).toBe(201);
    const created = await json<{ id: string }>(await call("POST", "/v1/tasks", { token: tenant.apiKey, body: { title: "x" } }));
    expect((await call("GET", `/v1/tasks/${created.id}`, { token: tenant.apiKey, headers: { "x-priority": "low" } })).status).toBe(200);
    // /v1/tasks/stats also matches /v1/tasks/:id; it is the route that answered that counts.
    expect((await call("GET", "/v1/tasks/stats", { token: tenant.apiKey })).status).toBe(200);
    await flushNow();

    const res = await call("GET", "/metrics", { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const text = await res.text();
    const families = parsePrometheusTextFormat(text) as { name: string; metrics: { labels?: Record<string, string>; value?: string }[] }[];
    const requests = families.find((f) => f.name === "taskflow_http_requests_total");
    const ours = requests?.metrics.filter((m) => m.labels?.tenant === tenant.id) ?? [];
    const count = (route: string, method: string, priority: string) =>
      ours.filter((m) => m.labels?.route === route && m.labels?.method === method && m.labels?.priority === priority).reduce((n, m) => n + Number(m.value), 0);
    expect(count("/v1/tasks", "POST", "high")).toBe(6);
    expect(count("/v1/tasks/:id", "GET", "low")).toBe(1);
    // Any priority: under load the one stats request that refreshes the snapshot is promoted.
    expect(ours.filter((m) => m.labels?.route === "/v1/tasks/stats" && m.labels?.method === "GET").reduce((n, m) => n + Number(m.value), 0)).toBe(1);
    // Raw ids never become label values.
    expect(text).not.toContain(created.id);
    expect(text).toMatch(new RegExp(`taskflow_admission_concurrency_limit\\{tenant="${tenant.id}"\\} \\d+`));
  });

  it("requires the admin token for /metrics and the reports", async () => {
    expect((await call("GET", "/metrics")).status).toBe(401);
    expect((await call("GET", "/admin/performance")).status).toBe(401);
    expect((await call("GET", "/admin/alerts")).status).toBe(401);
    expect((await call("GET", "/admin/performance", { token: ADMIN_TOKEN })).status).toBe(200);
    expect((await call("GET", "/dashboard")).headers.get("content-type")).toContain("text/html");
  });
});
