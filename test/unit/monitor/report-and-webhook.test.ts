import { describe, expect, it } from "vitest";
import { parseMonitorConfig, DEFAULT_MONITOR_CONFIG } from "../../../durable-objects/monitor/monitor-config";
import { performanceReport } from "../../../durable-objects/monitor/reports/performance-report";
import { nextAttemptAt, retryableStatus, WEBHOOK_MAX_ATTEMPTS } from "../../../durable-objects/monitor/alerts/webhook-retry";
import { MINUTE, Windows } from "../../../durable-objects/monitor/windows/windows";
import { batchOf, T0 } from "./support";

describe("performance report", () => {
  it("computes rates, goodput, shed ratio and recommendations from rules", () => {
    const w = new Windows();
    const at = T0 + 30_000;
    const batch = batchOf(
      [
        { count: 60, latencyMs: 20, priority: "low", tenant: "busy" },
        { count: 40, latencyMs: 1, status: 503, outcome: "shed", priority: "low", tenant: "busy" },
        { count: 100, latencyMs: 900, tenant: "calm" },
      ],
      at,
    );
    batch.db.slowByRoute = { "GET /v1/tasks/stats": 3 };
    batch.db.slow = 3;
    batch.db.slowest = [{ route: "GET /v1/tasks/stats", sql: "SELECT count(*) FROM tasks", ms: 1800 }];
    w.addBatch(batch, at);
    const report = performanceReport(w, DEFAULT_MONITOR_CONFIG, [], T0 + 60_000);
    const m = report.windows["1m"];
    expect(m.requests).toBe(200);
    expect(m.seconds).toBe(60);
    expect(m.rps).toBeCloseTo(200 / 60);
    expect(m.shedRatio).toBeCloseTo(0.2);
    expect(m.byPriority.low.shedRatio).toBeCloseTo(0.4);
    // Goodput: the 60 fast successes; the 900 ms ones miss the 500 ms objective.
    expect(m.goodputRps).toBeCloseTo(60 / 60);
    const rules = report.recommendations.map((r) => `${r.rule}:${r.subject}`);
    expect(rules).toContain("tenant_low_priority_shed:tenant busy");
    expect(rules).toContain("slow_queries_by_route:GET /v1/tasks/stats");
    expect(rules).not.toContain("tenant_low_priority_shed:tenant calm");
  });

  it("flags a p99 regression against the previous hour", () => {
    const w = new Windows();
    let seq = 0;
    for (let m = 0; m < 120; m++) {
      const t = T0 + m * MINUTE + 1000;
      w.addBatch(batchOf([{ count: 10, latencyMs: m < 60 ? 40 : 200 }], t, "i", ++seq), t);
    }
    const report = performanceReport(w, DEFAULT_MONITOR_CONFIG, [], T0 + 120 * MINUTE - 1);
    expect(report.recommendations.find((r) => r.rule === "p99_regression")?.subject).toBe("GET /v1/tasks");
  });
});

describe("alert webhook retries", () => {
  it("backs off exponentially with jitter, then gives up", () => {
    const delays = [1, 2, 3, 4, 5].map((n) => (nextAttemptAt(n, 0, () => 0.999) ?? 0) - 0);
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(delays[4]).toBeLessThanOrEqual(5 * 60_000);
    expect(nextAttemptAt(WEBHOOK_MAX_ATTEMPTS, 0)).toBeNull();
    expect([500, 503, 429, 408].every(retryableStatus)).toBe(true);
    expect([400, 401, 404].some(retryableStatus)).toBe(false);
  });
});

describe("monitor config", () => {
  it("has defaults and names the variable on a bad value", () => {
    expect(parseMonitorConfig({})).toEqual(DEFAULT_MONITOR_CONFIG);
    expect(parseMonitorConfig({ SLO_AVAILABILITY_TARGET: "0.995", ALERT_WEBHOOK_URL: "https://hooks.example/x" })).toMatchObject({ availabilityTarget: 0.995, alertWebhookUrl: "https://hooks.example/x" });
    expect(() => parseMonitorConfig({ SLO_AVAILABILITY_TARGET: "99.9" })).toThrow(/SLO_AVAILABILITY_TARGET/);
    expect(() => parseMonitorConfig({ ALERT_WEBHOOK_URL: "ftp://x" })).toThrow(/ALERT_WEBHOOK_URL/);
  });
});
