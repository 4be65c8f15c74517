import { webhookTargetProblem } from "./alerts/webhook-target";

/**
 * The Monitor's objectives and thresholds. Optional vars (none is in wrangler.toml today);
 * each falls back to a default and an invalid value is an error naming the variable.
 */

export interface MonitorConfig {
  /** Availability SLO: share of valid requests that must not fail (e.g. 0.999). */
  availabilityTarget: number;
  /** Latency SLO: share of served requests that must finish within `latencyThresholdMs`. */
  latencyTarget: number;
  latencyThresholdMs: number;
  /** Guard: p99 above this for 3 consecutive minutes. */
  p99ThresholdMs: number;
  /** Guard: shed ratio above this for 5 consecutive minutes. */
  shedRatioThreshold: number;
  /** Tenants exported by name in /metrics; the rest are summed into tenant="other". */
  metricsMaxTenants: number;
  alertWebhookUrl: string | null;
}

export const DEFAULT_MONITOR_CONFIG: MonitorConfig = {
  availabilityTarget: 0.999,
  latencyTarget: 0.99,
  latencyThresholdMs: 500,
  p99ThresholdMs: 1000,
  shedRatioThreshold: 0.01,
  metricsMaxTenants: 20,
  alertWebhookUrl: null,
};

const fraction = (name: string, raw: unknown, fallback: number): number => {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n >= 1) throw new Error(`${name} must be a number strictly between 0 and 1, got ${JSON.stringify(raw)}`);
  return n;
};

const positive = (name: string, raw: unknown, fallback: number): number => {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
};

export function parseMonitorConfig(vars: Record<string, unknown>): MonitorConfig {
  const d = DEFAULT_MONITOR_CONFIG;
  const url = vars.ALERT_WEBHOOK_URL;
  if (url !== undefined && url !== "") {
    const problem = typeof url === "string" ? webhookTargetProblem(url) : "is not a string";
    if (problem) throw new Error(`ALERT_WEBHOOK_URL ${problem}, got ${JSON.stringify(url)}`);
  }
  return {
    availabilityTarget: fraction("SLO_AVAILABILITY_TARGET", vars.SLO_AVAILABILITY_TARGET, d.availabilityTarget),
    latencyTarget: fraction("SLO_LATENCY_TARGET", vars.SLO_LATENCY_TARGET, d.latencyTarget),
    latencyThresholdMs: positive("SLO_LATENCY_THRESHOLD_MS", vars.SLO_LATENCY_THRESHOLD_MS, d.latencyThresholdMs),
    p99ThresholdMs: positive("ALERT_P99_THRESHOLD_MS", vars.ALERT_P99_THRESHOLD_MS, d.p99ThresholdMs),
    shedRatioThreshold: fraction("ALERT_SHED_RATIO", vars.ALERT_SHED_RATIO, d.shedRatioThreshold),
    metricsMaxTenants: Math.floor(positive("METRICS_MAX_TENANTS", vars.METRICS_MAX_TENANTS, d.metricsMaxTenants)),
    alertWebhookUrl: typeof url === "string" && url !== "" ? url : null,
  };
}
