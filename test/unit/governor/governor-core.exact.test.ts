import { describe, expect, it } from "vitest";
import { HoltForecast } from "../../../durable-objects/admission/holt-forecast";
import { GovernorCore, resumable } from "../../../durable-objects/governor/governor-core";
import { report } from "./support";

describe("GovernorCore, exact values", () => {
  it("answers a report with the tenant's cap and the budget, and shows every field of its view", () => {
    const core = new GovernorCore({ maxBudget: 10 });
    expect(core.maxBudget).toBe(10);
    expect(core.tenantCount).toBe(0);
    // Wants 3 + 1 headroom = 4 of 10; the spare 6 goes to it too.
    expect(core.report({ ...report("b", 3), admittedPerSec: 1.234, dbMsPerSec: 5.678 }, 100)).toEqual({ cap: 10, budget: 10, fairRatePerSec: 0, passScale: 1, leases: true });
    // Wants ceil(2.555 + 1) = 4: shares 4 and 4; the spare 2 is either's to use.
    expect(core.report({ ...report("a", 2.555, 3), inflight: 2 }, 200)).toEqual({ cap: 6, budget: 10, fairRatePerSec: 0, passScale: 1, leases: true });
    expect(core.tenantCount).toBe(2);
    expect(core.view(300)).toEqual({
      budget: 10,
      maxBudget: 10,
      contention: { signal: null, threshold: 2, d1Concurrency: null, latencyMs: null, baselineMs: null },
      totalDemand: 7.56,
      tenants: [
        { tenant: "a", demand: 2.555, forecast: 2.56, weight: 3, share: 4, cap: 6, admittedPerSec: 0, wantedPerSec: 0, fairRatePerSec: 0, passScale: 1, dbMsPerSec: 0, reportedAt: 200 },
        { tenant: "b", demand: 3, forecast: 3, weight: 1, share: 4, cap: 6, admittedPerSec: 1.23, wantedPerSec: 1.23, fairRatePerSec: 0, passScale: 1, dbMsPerSec: 5.68, reportedAt: 100 },
      ],
      at: 300,
    });
    expect(core.snapshot()).toEqual({ budget: 10, baselineMs: null });
  });

  it("wants nothing for a tenant with no demand, else its demand plus the configured headroom", () => {
    const core = new GovernorCore({ maxBudget: 20, headroom: 3 });
    core.report(report("idle", 0), 0);
    core.report(report("busy", 4), 0);
    expect(core.view(0).totalDemand).toBe(7);
    expect(core.shareOf("idle")).toBe(0);
    expect(core.shareOf("busy")).toBe(7);
    expect(core.shareOf("never-reported")).toBe(0);
  });

  it("forecasts each tenant's demand with Holt over the report interval, horizonMs ahead", () => {
    const core = new GovernorCore({ maxBudget: 100, intervalMs: 4000, horizonMs: 3000 });
    const holt = new HoltForecast({ intervalMs: 4000 });
    for (const [at, demand] of [
      [0, 10],
      [1000, 20],
      [2000, 26],
    ] as const) {
      core.report(report("t", demand), at);
      holt.observe(demand, at);
    }
    const expected = holt.forecast(3000, 2500);
    expect(expected).not.toBeCloseTo(new HoltForecast().forecast(1000, 2500), 1);
    expect(core.view(2500).tenants[0]?.forecast).toBe(Math.round(expected * 100) / 100);
    // What it wants was set at its last report: there its demand, 26, was above the lagging forecast.
    expect(core.view(2500).totalDemand).toBe(27);
  });

  it("forgets a tenant exactly staleAfterMs after its last report, not a millisecond before", () => {
    const core = new GovernorCore({ maxBudget: 10, staleAfterMs: 2500 });
    core.report(report("t", 5), 0);
    core.tick(2499);
    expect(core.tenantCount).toBe(1);
    core.tick(2500);
    expect(core.tenantCount).toBe(0);
    expect(core.view(2500).totalDemand).toBe(0);
  });

  it("reads the fleet's D1 window per tick: queries over their time, concurrency over the time since the last tick", () => {
    const core = new GovernorCore({ maxBudget: 10, contention: { alpha: 1 } });
    core.report(report("t", 1, 1, { dbQueries: 10, dbMs: 123.456 }), 0);
    core.report(report("t", 1, 1, { dbQueries: 10, dbMs: 123.456 }), 10);
    // The first tick's window counts as one interval (1 s) long.
    core.tick(500);
    expect(core.view(500).contention).toEqual({ signal: 1, threshold: 2, d1Concurrency: 0.25, latencyMs: 12.35, baselineMs: 12.35 });
    core.report(report("t", 1, 1, { dbQueries: 10, dbMs: 50 }), 600);
    core.tick(750);
    expect(core.view(750).contention).toEqual({ signal: 1, threshold: 2, d1Concurrency: 0.2, latencyMs: 5, baselineMs: 5 });
    core.report(report("t", 1, 1, { dbQueries: 6, dbMs: 40 }), 750);
    core.tick(750);
    // A tick at the same instant as the last: the window counts as 1 ms long.
    expect(core.view(750).contention).toEqual({ signal: 1.33, threshold: 2, d1Concurrency: 40, latencyMs: 6.67, baselineMs: 5 });
  });

  it("forgets the silent before it moves the budget, regrows it uncontended, and cuts the shares again from the new budget", () => {
    const core = new GovernorCore({ maxBudget: 50 }, { budget: 5, baselineMs: 1 });
    core.report(report("gone", 100), 0);
    core.report(report("stays", 2), 2000);
    // "gone" is forgotten first: "stays" wants 3; uncontended, the budget doubles all the same.
    core.tick(2600);
    expect(core.budget).toBe(10);
    expect(core.view(2600).totalDemand).toBe(3);
    // Wanting 20 of 10: its share is what the budget holds, and grows with it at the next tick.
    core.report(report("stays", 19), 2600);
    expect(core.shareOf("stays")).toBe(10);
    core.tick(2700);
    expect(core.budget).toBe(20);
    expect(core.shareOf("stays")).toBe(20);
    expect(core.capOf("stays")).toBe(20);
  });

  it("cuts a contended budget from what the tenants have in flight, their demand where they did not say", () => {
    const contended = (inflight: number | undefined): number => {
      // One window is enough here (sustainTicks 1): the cut's size is under test, not its timing.
      const core = new GovernorCore({ maxBudget: 40, contention: { sustainTicks: 1 } }, { budget: 40, baselineMs: 1 });
      // 400 queries of 10 ms in a second: signal 10, four queries in D1 at once (twice the threshold: a cut to half).
      const r = { ...report("t", 30, 1, { dbQueries: 400, dbMs: 4000 }), admittedPerSec: 100 };
      core.report(inflight === undefined ? r : { ...r, inflight }, 0);
      core.report({ ...report("neighbour", 1), inflight: 0 }, 0); // alone, "t" would not be cut at all
      core.tick(0);
      return core.budget;
    };
    expect(contended(8)).toBe(4);
    expect(contended(undefined)).toBe(15);
    // A malformed in-flight count reads as 0: at least one slot is in use.
    expect(contended(Number.NaN)).toBe(1);
  });

  it("resumes from a stored budget, clamped to a whole number in [1, maxBudget], and from the maximum without one", () => {
    expect(new GovernorCore({ maxBudget: 50 }, { budget: 12.9, baselineMs: 1 }).budget).toBe(12);
    expect(new GovernorCore({ maxBudget: 50 }, { budget: 0, baselineMs: 1 }).budget).toBe(1);
    expect(new GovernorCore({ maxBudget: 50 }, { budget: Number.NaN, baselineMs: 1 }).budget).toBe(50);
    expect(new GovernorCore({ maxBudget: 50 }).budget).toBe(50);
    expect(new GovernorCore({ maxBudget: 50 }, { budget: 12, baselineMs: 1.5 }).snapshot()).toEqual({ budget: 12, baselineMs: 1.5 });
    expect(new GovernorCore({ maxBudget: 1 }).budget).toBe(1);
    for (const maxBudget of [0, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new GovernorCore({ maxBudget })).toThrow(`maxBudget must be a whole number >= 1, got ${maxBudget}`);
    }
  });

  it("does not cut an idle fleet's budget, and puts it back at its ceiling once every tenant is forgotten", () => {
    const core = new GovernorCore({ maxBudget: 50 });
    const busy = (t: number, msPerQuery: number) => {
      core.report({ ...report("a", 10, 1, { dbQueries: 1000, dbMs: 1000 * msPerQuery }), inflight: 10, admittedPerSec: 500 }, t);
      core.report({ ...report("b", 1), inflight: 0 }, t);
    };
    busy(0, 1);
    core.tick(1000);
    for (let t = 1000; t < 5000; t += 1000) {
      busy(t, 10);
      core.tick(t + 1000);
    }
    const cut = core.budget;
    expect(cut).toBeLessThan(50);
    // "a" and "b" stop: the next ticks count no window, yet the queue they last saw is gone.
    core.tick(6000);
    expect(core.budget).toBe(Math.min(50, 2 * cut));
    // Forgotten at 2.5 s of silence: nobody is left, and the next tenant meets the ceiling.
    core.tick(7600);
    expect(core.tenantCount).toBe(0);
    expect(core.budget).toBe(50);
    expect(core.report(report("b", 2), 8000).cap).toBe(50);
  });

  it("resumes a stored budget only while the tenants it was cut for would be remembered, the baseline always", () => {
    const stored = { budget: 7, baselineMs: 1.5, at: 10_000 };
    expect(resumable(stored, 12_499)).toEqual(stored);
    expect(resumable(stored, 12_500)).toEqual({ budget: Number.NaN, baselineMs: 1.5 });
    expect(new GovernorCore({ maxBudget: 50 }, resumable(stored, 60_000)).snapshot()).toEqual({ budget: 50, baselineMs: 1.5 });
    expect(new GovernorCore({ maxBudget: 50 }, resumable(stored, 11_000)).budget).toBe(7);
    expect(resumable(stored, 11_000, 500).budget).toBeNaN();
    // Stored before `at` was: resumed as it was; an `at` that is not a number: not fresh.
    expect(resumable({ budget: 7, baselineMs: 1 }, 1e12).budget).toBe(7);
    expect(resumable({ budget: 7, baselineMs: 1, at: Number.NaN }, 0).budget).toBeNaN();
    expect(new GovernorCore({ maxBudget: 50 }).snapshot(123)).toEqual({ budget: 50, baselineMs: null, at: 123 });
  });

  it("reads negative or non-finite report numbers as 0 and a weight that is not positive as 1", () => {
    const core = new GovernorCore({ maxBudget: 10 });
    core.report({ tenant: "t", at: Number.NaN, demand: -2, inflight: -1, admittedPerSec: -5, dbMsPerSec: Number.POSITIVE_INFINITY, dbQueries: -10, dbMs: -100, weight: 0 }, 0);
    core.report({ ...report("u", 4, 2.5), admittedPerSec: 7, dbMsPerSec: 9 }, 0);
    core.tick(0);
    const [t, u] = core.view(0).tenants;
    expect(t).toMatchObject({ demand: 0, weight: 1, admittedPerSec: 0, dbMsPerSec: 0, share: 0 });
    expect(u).toMatchObject({ demand: 4, weight: 2.5, admittedPerSec: 7, dbMsPerSec: 9, share: 5 });
    // No D1 window was counted: the negative query count and time added nothing.
    expect(core.view(0).contention.latencyMs).toBeNull();
  });
});
