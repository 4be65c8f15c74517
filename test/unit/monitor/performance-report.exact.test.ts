import { describe, expect, it } from "vitest";
import { DEFAULT_MONITOR_CONFIG, type MonitorConfig } from "../../../durable-objects/monitor/monitor-config";
import { performanceReport, REPORT_WINDOWS } from "../../../durable-objects/monitor/reports/performance-report";
import { MINUTE, Windows } from "../../../durable-objects/monitor/windows/windows";
import { batchOf, T0 } from "./support";

const HOUR = 60 * MINUTE;

describe("performanceReport", () => {
  it("states the objectives it judges by, the sketch's accuracy, and passes the active alerts through", () => {
    const config: MonitorConfig = { ...DEFAULT_MONITOR_CONFIG, availabilityTarget: 0.995, latencyTarget: 0.9, latencyThresholdMs: 300, p99ThresholdMs: 800, shedRatioThreshold: 0.02 };
    const report = performanceReport(new Windows(), config, [], T0);
    expect(report).toMatchObject({
      generatedAt: T0,
      sketch: { algorithm: "DDSketch", relativeAccuracy: 0.01 },
      objectives: { availabilityTarget: 0.995, latencyTarget: 0.9, latencyThresholdMs: 300, p99ThresholdMs: 800, shedRatioThreshold: 0.02 },
      recommendations: [],
      activeAlerts: [],
    });
    expect(report.objectives.burnRateWindows).toEqual([
      { name: "1h/5m", factor: 14.4, severity: "page" },
      { name: "6h/30m", factor: 6, severity: "page" },
      { name: "1d/2h", factor: 3, severity: "ticket" },
      { name: "3d/6h", factor: 1, severity: "ticket" },
    ]);
  });

  it("reports the last minute, five minutes and hour, each over the minutes that overlap it", () => {
    expect(REPORT_WINDOWS).toEqual({ "1m": MINUTE, "5m": 5 * MINUTE, "1h": HOUR });
    const w = new Windows();
    // One request at the start of each of the last 90 minutes.
    for (let m = 0; m < 90; m++) w.addBatch(batchOf([{ count: 1 }], T0 + m * MINUTE, "i", m + 1), T0 + m * MINUTE);
    const now = T0 + 89 * MINUTE + 30_000;
    const { windows } = performanceReport(w, DEFAULT_MONITOR_CONFIG, [], now);
    // Minutes 88-89, 84-89, and for the hour 30-89: the minute at 29 overlaps it but is past the 60 kept.
    expect([windows["1m"].requests, windows["5m"].requests, windows["1h"].requests]).toEqual([2, 6, 60]);
    // Goodput is judged against the configured objective: 20 ms requests all count.
    expect(windows["1m"].goodputRps).toBeCloseTo(2 / 90, 12);
  });

  it("compares the last hour with the hour just before it, not with older data", () => {
    const w = new Windows();
    let seq = 0;
    const at = (t: number, ms: number) => w.addBatch(batchOf([{ count: 60, latencyMs: ms }], t, "i", ++seq), t);
    // Fast two hours ago, slow in the last hour: the hour in between had no traffic.
    at(T0 + 10 * MINUTE, 40);
    at(T0 + 2 * HOUR + 10 * MINUTE, 200);
    const now = T0 + 2 * HOUR + 30 * MINUTE;
    expect(performanceReport(w, DEFAULT_MONITOR_CONFIG, [], now).recommendations.filter((r) => r.rule === "p99_regression")).toEqual([]);
    // The same slow hour right after the fast one is a regression.
    const v = new Windows();
    v.addBatch(batchOf([{ count: 60, latencyMs: 40 }], T0 + 40 * MINUTE, "i", 1), T0 + 40 * MINUTE);
    v.addBatch(batchOf([{ count: 60, latencyMs: 200 }], T0 + HOUR + 40 * MINUTE, "i", 2), T0 + HOUR + 40 * MINUTE);
    expect(performanceReport(v, DEFAULT_MONITOR_CONFIG, [], T0 + HOUR + 50 * MINUTE).recommendations.map((r) => r.rule)).toContain("p99_regression");
  });
});
