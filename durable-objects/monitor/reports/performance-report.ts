/**
 * GET /admin/performance: the figures over 1 m, 5 m and 1 h (each over the minute buckets that
 * overlap it, so a window spans between its length and one minute more; `from`/`seconds`
 * give the true span), rule-based recommendations, and the objectives they are judged against.
 */
import type { AlertRecord } from "../alerts/alert-log";
import { BURN_WINDOW_PAIRS } from "../alerts/burn-rate";
import type { MonitorConfig } from "../monitor-config";
import { recommend, type Recommendation } from "./recommendations";
import { RELATIVE_ACCURACY } from "../windows/sketch";
import { trafficStats, type TrafficStats } from "../windows/traffic-stats";
import { floorTo, MINUTE, type Windows } from "../windows/windows";

export const REPORT_WINDOWS = { "1m": MINUTE, "5m": 5 * MINUTE, "1h": 60 * MINUTE } as const;
export type ReportWindow = keyof typeof REPORT_WINDOWS;

export interface PerformanceReport {
  generatedAt: number;
  sketch: { algorithm: "DDSketch"; relativeAccuracy: number };
  objectives: {
    availabilityTarget: number;
    latencyTarget: number;
    latencyThresholdMs: number;
    p99ThresholdMs: number;
    shedRatioThreshold: number;
    burnRateWindows: Array<{ name: string; factor: number; severity: string }>;
  };
  windows: Record<ReportWindow, TrafficStats>;
  recommendations: Recommendation[];
  activeAlerts: AlertRecord[];
}

export function performanceReport(windows: Windows, config: MonitorConfig, activeAlerts: AlertRecord[], now: number): PerformanceReport {
  const hourView = windows.window(REPORT_WINDOWS["1h"], now);
  const stats: Record<ReportWindow, TrafficStats> = {
    "1m": trafficStats(windows.window(REPORT_WINDOWS["1m"], now), config.latencyThresholdMs),
    "5m": trafficStats(windows.window(REPORT_WINDOWS["5m"], now), config.latencyThresholdMs),
    "1h": trafficStats(hourView, config.latencyThresholdMs),
  };
  const lastHour = windows.bucketsIn(REPORT_WINDOWS["1h"], now);
  const previousHour = windows.bucketsBetween(5 * MINUTE, lastHour.start - REPORT_WINDOWS["1h"], floorTo(lastHour.start, 5 * MINUTE));
  return {
    generatedAt: now,
    sketch: { algorithm: "DDSketch", relativeAccuracy: RELATIVE_ACCURACY },
    objectives: {
      availabilityTarget: config.availabilityTarget,
      latencyTarget: config.latencyTarget,
      latencyThresholdMs: config.latencyThresholdMs,
      p99ThresholdMs: config.p99ThresholdMs,
      shedRatioThreshold: config.shedRatioThreshold,
      burnRateWindows: BURN_WINDOW_PAIRS.map((p) => ({ name: p.name, factor: p.factor, severity: p.severity })),
    },
    windows: stats,
    recommendations: recommend({
      lastHour: stats["1h"],
      lastHourBucket: hourView.bucket,
      lastHourBuckets: lastHour.buckets,
      previousHourBuckets: previousHour,
    }),
    activeAlerts,
  };
}
