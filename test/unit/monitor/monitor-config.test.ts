import { describe, expect, it } from "vitest";
import { DEFAULT_MONITOR_CONFIG, parseMonitorConfig } from "../../../durable-objects/monitor/monitor-config";

describe("parseMonitorConfig", () => {
  it("reads every variable into its field", () => {
    expect(
      parseMonitorConfig({
        SLO_AVAILABILITY_TARGET: "0.995",
        SLO_LATENCY_TARGET: "0.95",
        SLO_LATENCY_THRESHOLD_MS: "250",
        ALERT_P99_THRESHOLD_MS: "1500",
        ALERT_SHED_RATIO: "0.05",
        METRICS_MAX_TENANTS: "7.9",
        ALERT_WEBHOOK_URL: "https://hooks.example.com/x",
      }),
    ).toEqual({
      availabilityTarget: 0.995,
      latencyTarget: 0.95,
      latencyThresholdMs: 250,
      p99ThresholdMs: 1500,
      shedRatioThreshold: 0.05,
      metricsMaxTenants: 7,
      alertWebhookUrl: "https://hooks.example.com/x",
    });
  });

  it("takes an empty variable as unset", () => {
    const empty = { SLO_AVAILABILITY_TARGET: "", SLO_LATENCY_TARGET: "", SLO_LATENCY_THRESHOLD_MS: "", ALERT_P99_THRESHOLD_MS: "", ALERT_SHED_RATIO: "", METRICS_MAX_TENANTS: "", ALERT_WEBHOOK_URL: "" };
    expect(parseMonitorConfig(empty)).toEqual(DEFAULT_MONITOR_CONFIG);
  });

  it.each(["SLO_AVAILABILITY_TARGET", "SLO_LATENCY_TARGET", "ALERT_SHED_RATIO"])("%s must lie strictly between 0 and 1", (name) => {
    for (const bad of ["0", "1", "-0.5", "1.5", "NaN", "Infinity", "ninety"]) {
      expect(() => parseMonitorConfig({ [name]: bad }), bad).toThrow(`${name} must be a number strictly between 0 and 1, got ${JSON.stringify(bad)}`);
    }
    expect(() => parseMonitorConfig({ [name]: "0.0001" })).not.toThrow();
    expect(() => parseMonitorConfig({ [name]: "0.9999" })).not.toThrow();
  });

  it.each(["SLO_LATENCY_THRESHOLD_MS", "ALERT_P99_THRESHOLD_MS", "METRICS_MAX_TENANTS"])("%s must be a positive number", (name) => {
    for (const bad of ["0", "-1", "Infinity", "NaN", "lots"]) {
      expect(() => parseMonitorConfig({ [name]: bad }), bad).toThrow(`${name} must be a positive number, got ${JSON.stringify(bad)}`);
    }
    expect(() => parseMonitorConfig({ [name]: "1" })).not.toThrow();
  });

  it("refuses a webhook URL that is not a string, naming the variable", () => {
    expect(() => parseMonitorConfig({ ALERT_WEBHOOK_URL: 42 })).toThrow("ALERT_WEBHOOK_URL is not a string, got 42");
  });
});
