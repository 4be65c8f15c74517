import { describe, expect, it } from "vitest";
import { evaluateAlertRules } from "../../../durable-objects/monitor/alerts/alert-rules";
import type { SourceState } from "../../../durable-objects/monitor/alerts/guards";
import { DEFAULT_MONITOR_CONFIG, type MonitorConfig } from "../../../durable-objects/monitor/monitor-config";
import { MINUTE, Windows } from "../../../durable-objects/monitor/windows/windows";
import { batchOf, T0, type Traffic } from "./support";

// 5 % shed and every served request at 1.5 s: bad for both SLOs, the p99 and the shed guards.
const bad: Traffic[] = [{ count: 95, latencyMs: 1500 }, { count: 5, latencyMs: 1, status: 503, outcome: "shed" }];
const good: Traffic[] = [{ count: 100, latencyMs: 20 }];
const now = T0 + 5 * MINUTE + 20_000;

/** Five closed minutes of `closed` traffic, then the current minute (still filling) with `current`. */
function windowsOf(closed: Traffic[], current: Traffic[]): Windows {
  const w = new Windows();
  for (let m = 0; m < 5; m++) w.addBatch(batchOf(closed, T0 + m * MINUTE + 30_000, "i", m + 1), T0 + m * MINUTE + 30_000);
  w.addBatch(batchOf(current, T0 + 5 * MINUTE + 10_000, "i", 6), T0 + 5 * MINUTE + 10_000);
  return w;
}

const config: MonitorConfig = { ...DEFAULT_MONITOR_CONFIG, latencyThresholdMs: 300, p99ThresholdMs: 1000, shedRatioThreshold: 0.01 };
const keys = (w: Windows, c: MonitorConfig, sources: SourceState[] = []) => evaluateAlertRules(w, sources, c, now).map((a) => a.key);

describe("evaluateAlertRules", () => {
  it("fires burn rates of both SLOs, then the guards, judging the closed minutes only", () => {
    // The current minute is healthy: were it judged, neither guard would fire.
    expect(keys(windowsOf(bad, good), config)).toEqual([
      "slo_burn:availability:1h/5m",
      "slo_burn:availability:6h/30m",
      "slo_burn:availability:1d/2h",
      "slo_burn:availability:3d/6h",
      "slo_burn:latency:1h/5m",
      "slo_burn:latency:6h/30m",
      "slo_burn:latency:1d/2h",
      "slo_burn:latency:3d/6h",
      "guard:p99",
      "guard:shed",
    ]);
  });

  it("does not judge the current minute, however bad it looks", () => {
    expect(keys(windowsOf(good, bad), config).filter((k) => k.startsWith("guard:"))).toEqual([]);
  });

  it("takes every objective and threshold from the config", () => {
    const w = windowsOf(bad, good);
    const lenient = { ...config, availabilityTarget: 0.5, latencyTarget: 0.01, p99ThresholdMs: 2000, shedRatioThreshold: 0.5 };
    expect(keys(w, lenient)).toEqual([]);
    expect(keys(w, { ...lenient, latencyThresholdMs: 2000, latencyTarget: 0.999 })).toEqual([]);
    expect(keys(w, { ...lenient, latencyTarget: 0.999 })).toContain("slo_burn:latency:1h/5m");
  });

  it("adds the silence guards of the senders it is given", () => {
    const silent: SourceState = { id: "adm-1", kind: "admission", tenant: "t1", lastSeen: now - 3 * MINUTE, busy: true, lastActiveAt: null };
    expect(keys(windowsOf(good, good), config, [silent])).toEqual(["guard:silent:admission:adm-1"]);
  });
});
