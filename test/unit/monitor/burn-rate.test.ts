import { describe, expect, it } from "vitest";
import { reconcile, type AlertRecord } from "../../../durable-objects/monitor/alerts/alert-log";
import { evaluateAlertRules } from "../../../durable-objects/monitor/alerts/alert-rules";
import { availabilitySlo, burnRate, evaluateBurnRates, latencySlo } from "../../../durable-objects/monitor/alerts/burn-rate";
import { DEFAULT_MONITOR_CONFIG } from "../../../durable-objects/monitor/monitor-config";
import { MINUTE, Windows } from "../../../durable-objects/monitor/windows/windows";
import { batchOf, T0, type Traffic } from "./support";

const config = { ...DEFAULT_MONITOR_CONFIG, availabilityTarget: 0.999, latencyTarget: 0.99, latencyThresholdMs: 300 };

/** Replays minutes of synthetic traffic through Windows, evaluating the rules after each, like the alarm. */
function replay(minutes: Array<Traffic[]>): { firedAt: number[]; resolvedAt: number[]; active: AlertRecord[]; keysAt: string[][] } {
  const w = new Windows();
  let active: AlertRecord[] = [];
  const firedAt: number[] = [];
  const resolvedAt: number[] = [];
  const keysAt: string[][] = [];
  minutes.forEach((traffic, m) => {
    const t = T0 + m * MINUTE + 30_000;
    if (traffic.length) w.addBatch(batchOf(traffic, t, "i", m + 1), t);
    const now = T0 + (m + 1) * MINUTE + 1_000;
    const r = reconcile(active, evaluateAlertRules(w, [], config, now).filter((c) => c.rule === "slo_burn_rate"), now);
    active = r.active;
    for (const tr of r.transitions) (tr.kind === "firing" ? firedAt : resolvedAt).push(m);
    keysAt.push(active.map((a) => a.key));
  });
  return { firedAt, resolvedAt, active, keysAt };
}

describe("SLO burn-rate alerts (SRE workbook multiwindow pairs)", () => {
  it("burn rate is the error ratio over the error budget", () => {
    expect(burnRate(availabilitySlo(0.999), { valid: 1000, failed: 10, served: 1000, slow: 0 })).toBeCloseTo(10);
    expect(burnRate(latencySlo(0.99), { valid: 1000, failed: 0, served: 1000, slow: 200 })).toBeCloseTo(20);
    expect(burnRate(availabilitySlo(0.999), { valid: 0, failed: 0, served: 0, slow: 0 })).toBe(0);
  });

  it("needs both windows of a pair over the factor", () => {
    const counts = (long: number, short: number) => (ms: number) => {
      const ratio = ms === 5 * MINUTE ? short : long;
      return { valid: 10_000, failed: 10_000 * ratio, served: 10_000, slow: 0 };
    };
    const slos = [availabilitySlo(0.999)];
    expect(evaluateBurnRates(slos, counts(0.02, 0.02)).map((c) => c.key)).toContain("slo_burn:availability:1h/5m");
    expect(evaluateBurnRates(slos, counts(0.02, 0.001)).map((c) => c.key)).not.toContain("slo_burn:availability:1h/5m");
    expect(evaluateBurnRates(slos, counts(0.01, 0.05)).map((c) => c.key)).not.toContain("slo_burn:availability:1h/5m");
  });

  it("availability: fires on an error burst and clears soon after it ends", () => {
    const healthy: Traffic[] = [{ count: 200 }];
    const failing: Traffic[] = [{ count: 180 }, { count: 20, status: 500 }]; // 10 % errors: burn 100x
    const series = [...Array(10).fill(healthy), ...Array(5).fill(failing), ...Array(15).fill(healthy)] as Traffic[][];
    const { firedAt, resolvedAt, keysAt } = replay(series);
    expect(keysAt[9]).toEqual([]);
    // Minute 10: 20 errors in 2 200 requests of the hour (burn 9x) page through 6h/30m only...
    expect(firedAt[0]).toBe(10);
    expect(keysAt[10]).toContain("slo_burn:availability:6h/30m");
    expect(keysAt[10]).not.toContain("slo_burn:availability:1h/5m");
    // ...minute 11: 40 in 2 400 (burn 16.7x) crosses 14.4x on the 1 h window too.
    expect(keysAt[11]).toContain("slo_burn:availability:1h/5m");
    // The 5-minute window forgets the burst 5 minutes after it ends; the 30-minute one keeps 6h/30m longer.
    expect(keysAt[20]).not.toContain("slo_burn:availability:1h/5m");
    expect(resolvedAt.length).toBeGreaterThan(0);
  });

  it("latency: slow requests burn the latency SLO", () => {
    const fast: Traffic[] = [{ count: 100, latencyMs: 50 }];
    const slow: Traffic[] = [{ count: 50, latencyMs: 50 }, { count: 50, latencyMs: 900 }]; // 50 % slow
    const { keysAt } = replay([...Array(5).fill(fast), ...Array(3).fill(slow), ...Array(8).fill(fast)] as Traffic[][]);
    // Over the hour: 100 slow of 700 (burn 14.3x) at minute 6, 150 of 800 (18.8x) at minute 7.
    expect(keysAt[6]).not.toContain("slo_burn:latency:1h/5m");
    expect(keysAt[7]).toContain("slo_burn:latency:1h/5m");
    expect(keysAt[15]).not.toContain("slo_burn:latency:1h/5m");
  });

  it("429s are the client's budget, not an availability failure", () => {
    const limited: Traffic[] = [{ count: 50 }, { count: 50, status: 429 }];
    const { firedAt } = replay(Array(10).fill(limited) as Traffic[][]);
    expect(firedAt).toEqual([]);
  });

  it("reconcile keeps one record per episode with start and end", () => {
    const cond = { key: "k", rule: "r", severity: "page" as const, summary: "s", details: {} };
    const a = reconcile([], [cond], 1000);
    expect(a.transitions.map((t) => t.kind)).toEqual(["firing"]);
    const b = reconcile(a.active, [cond], 2000);
    expect(b.transitions).toEqual([]);
    expect(b.active[0]?.startedAt).toBe(1000);
    const c = reconcile(b.active, [], 3000);
    expect(c.active).toEqual([]);
    expect(c.transitions[0]?.alert).toMatchObject({ startedAt: 1000, endedAt: 3000, id: "k@1000" });
  });
});
