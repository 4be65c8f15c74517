import { env, waitUntil } from "cloudflare:workers";
import { Hono } from "hono";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../worker/app-env";
import { onError } from "../../worker/errors";
import { monitoringRoutes } from "../../worker/routes/monitoring";
import { monitorSender } from "../../worker/telemetry/isolate-telemetry";
import { TelemetryRecorder } from "../../worker/telemetry/recorder";

// The routes as the app mounts them (auth is the app's job and is not part of this file).
const app = new Hono<AppEnv>();
app.route("/", monitoringRoutes);
app.onError(onError);
const get = (path: string) => app.request(path, {}, env);

describe("monitoring routes", () => {
  it("an isolate's recorder flushes into the Monitor and /metrics shows it", async () => {
    const recorder = new TelemetryRecorder({ intervalMs: 1, source: `routes-${crypto.randomUUID()}` });
    const now = Date.now();
    for (let i = 0; i < 7; i++) recorder.record({ route: "/v1/routes-test", method: "GET", status: 200, tenant: "routes-tenant", priority: "high", durationMs: 15, queueMs: 0, dbMs: 4 }, now);
    const pending: Promise<unknown>[] = [];
    expect(recorder.flushIfDue(now + 5, monitorSender(env), (p) => void pending.push(p))).toBe(true);
    await Promise.all(pending);
    expect(recorder.stats.flushes).toBe(1);

    const res = await get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const families = parsePrometheusTextFormat(await res.text());
    const sample = families.find((f) => f.name === "taskflow_http_requests_total")?.metrics.find((m) => m.labels?.route === "/v1/routes-test");
    expect(sample?.value).toBe("7");
  });

  it("GET /admin/performance returns all windows, or one with ?window=", async () => {
    const all = await get("/admin/performance");
    expect(all.status).toBe(200);
    const body = (await all.json()) as { windows: Record<string, unknown>; recommendations: unknown[] };
    expect(Object.keys(body.windows).sort()).toEqual(["1h", "1m", "5m"]);
    expect(Array.isArray(body.recommendations)).toBe(true);
    const one = (await (await get("/admin/performance?window=5m")).json()) as { windows: Record<string, unknown> };
    expect(Object.keys(one.windows)).toEqual(["5m"]);
    const bad = await get("/admin/performance?window=2d");
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
  });

  it("GET /admin/alerts and /admin/dashboard-data answer JSON", async () => {
    expect(await (await get("/admin/alerts")).json()).toMatchObject({ active: expect.any(Array), recent: expect.any(Array) });
    const data = (await (await get("/admin/dashboard-data?minutes=10")).json()) as { minutes: unknown[] };
    expect(data.minutes).toHaveLength(10);
    expect((await get("/admin/dashboard-data?minutes=0")).status).toBe(400);
  });

  it("GET /dashboard is one self-contained page under a strict CSP", async () => {
    const res = await get("/dashboard");
    expect(res.status).toBe(200);
    const html = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(csp).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });
});

// Keep `waitUntil` referenced: the recorder's contract is the runtime's waitUntil signature.
void waitUntil;
