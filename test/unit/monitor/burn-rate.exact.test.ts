import { describe, expect, it } from "vitest";
import { availabilitySlo, BURN_WINDOW_PAIRS, burnRate, evaluateBurnRates, latencySlo, type BurnWindowPair } from "../../../durable-objects/monitor/alerts/burn-rate";
import type { SloCounts } from "../../../durable-objects/monitor/windows/traffic-stats";

const HOUR = 3_600_000;
const MIN = 60_000;
const pair: BurnWindowPair = { name: "L/S", longMs: 10 * MIN, shortMs: MIN, factor: 2, severity: "ticket" };

describe("burn rates, exactly", () => {
  it("uses the SRE workbook's four window pairs", () => {
    expect(BURN_WINDOW_PAIRS).toEqual([
      { name: "1h/5m", longMs: HOUR, shortMs: 5 * MIN, factor: 14.4, severity: "page" },
      { name: "6h/30m", longMs: 6 * HOUR, shortMs: 30 * MIN, factor: 6, severity: "page" },
      { name: "1d/2h", longMs: 24 * HOUR, shortMs: 2 * HOUR, factor: 3, severity: "ticket" },
      { name: "3d/6h", longMs: 72 * HOUR, shortMs: 6 * HOUR, factor: 1, severity: "ticket" },
    ]);
  });

  it("counts failed of valid for availability and slow of served for latency", () => {
    const counts: SloCounts = { valid: 100, failed: 10, served: 50, slow: 20 };
    expect(burnRate(availabilitySlo(0.5), counts)).toBeCloseTo(0.2, 12);
    expect(burnRate(latencySlo(0.5), counts)).toBeCloseTo(0.8, 12);
    expect(burnRate(latencySlo(0.5), { valid: 100, failed: 10, served: 0, slow: 0 })).toBe(0);
  });

  it("fires only above the factor, not at it, and describes the pair it fired on", () => {
    const counts = (longBad: number, shortBad: number) => (ms: number): SloCounts => ({ valid: 1000, failed: ms === pair.longMs ? longBad : shortBad, served: 1000, slow: 0 });
    const slos = [availabilitySlo(0.5)];
    // Budget 0.5: 1000 bad of 1000 is a burn of exactly 2, the factor.
    expect(evaluateBurnRates(slos, counts(1000, 1000), [pair])).toEqual([]);
    expect(evaluateBurnRates(slos, counts(1000, 1000), [{ ...pair, factor: 1.999 }])).toHaveLength(1);
    // Budget 0.25: 500 bad of 1000 is a burn of exactly 2; one window at the factor is not enough.
    const tight = [availabilitySlo(0.75)];
    expect(evaluateBurnRates(tight, counts(500, 1000), [pair])).toEqual([]);
    expect(evaluateBurnRates(tight, counts(1000, 500), [pair])).toEqual([]);
    expect(evaluateBurnRates(tight, counts(501, 501), [pair])).toHaveLength(1);
    expect(evaluateBurnRates(slos, counts(1000, 900), [{ ...pair, factor: 1.9 }])).toEqual([]);
    expect(evaluateBurnRates(slos, counts(900, 1000), [{ ...pair, factor: 1.9 }])).toEqual([]);
    expect(evaluateBurnRates(slos, counts(987, 1000), [{ ...pair, factor: 1.5 }])).toEqual([
      {
        key: "slo_burn:availability:L/S",
        rule: "slo_burn_rate",
        severity: "ticket",
        summary: "availability SLO (0.5) burning error budget 2.0x over L/S (threshold 1.5x)",
        details: { slo: "availability", target: 0.5, window: "L/S", factor: 1.5, longBurn: 1.974, shortBurn: 2 },
      },
    ]);
  });

  it("judges every SLO against every pair, and reads each window's counts once", () => {
    const asked: number[] = [];
    const countsFor = (ms: number): SloCounts => {
      asked.push(ms);
      return { valid: 100, failed: 100, served: 100, slow: 100 };
    };
    const pairs: BurnWindowPair[] = [pair, { ...pair, name: "L2/S", shortMs: 2 * MIN, severity: "page" }];
    const firing = evaluateBurnRates([availabilitySlo(0.9), latencySlo(0.9)], countsFor, pairs);
    expect(firing.map((c) => [c.key, c.severity])).toEqual([
      ["slo_burn:availability:L/S", "ticket"],
      ["slo_burn:availability:L2/S", "page"],
      ["slo_burn:latency:L/S", "ticket"],
      ["slo_burn:latency:L2/S", "page"],
    ]);
    expect(asked).toEqual([10 * MIN, MIN, 2 * MIN]);
  });
});
