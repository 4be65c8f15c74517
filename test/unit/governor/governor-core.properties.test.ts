import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GovernorCore } from "../../../durable-objects/governor/governor-core";
import { report } from "./support";

const tenantsArb = fc.uniqueArray(
  fc.record({
    tenant: fc.string({ minLength: 1, maxLength: 4 }),
    demand: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 400 }), fc.double({ min: 0, max: 60, noNaN: true })),
    weight: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4 }), fc.double({ min: 0.1, max: 10, noNaN: true })),
  }),
  { selector: (t) => t.tenant, maxLength: 12 },
);

/**
 * A governor that heard one report from each tenant at the same instant. With a single sample
 * Holt's forecast is the demand itself, so each tenant wants ceil(demand) + 1 slots (headroom)
 * when it has any demand, and 0 otherwise.
 */
function governed(maxBudget: number, tenants: readonly { tenant: string; demand: number; weight: number }[]) {
  const core = new GovernorCore({ maxBudget });
  for (const t of tenants) core.report(report(t.tenant, t.demand, t.weight), 0);
  const view = core.view(0);
  const share = (tenant: string): number => view.tenants.find((v) => v.tenant === tenant)?.share ?? Number.NaN;
  const want = (demand: number): number => (demand > 0 ? Math.ceil(demand + 1) : 0);
  return { core, view, share, want };
}

describe("GovernorCore properties (shares of the budget by what tenants want)", () => {
  it("never hands out more than the budget, nor more than a tenant wants", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), tenantsArb, (max, tenants) => {
        const { view, share, want } = governed(max, tenants);
        expect(view.budget).toBe(max);
        expect(view.tenants.reduce((a, t) => a + t.share, 0)).toBeLessThanOrEqual(view.budget);
        for (const t of tenants) expect(share(t.tenant)).toBeLessThanOrEqual(want(t.demand));
      }),
    );
  });

  it("leaves nothing idle while someone wants more", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), tenantsArb, (max, tenants) => {
        const { view, want } = governed(max, tenants);
        const wanted = tenants.reduce((a, t) => a + want(t.demand), 0);
        expect(view.tenants.reduce((a, t) => a + t.share, 0)).toBe(Math.min(view.budget, wanted));
      }),
    );
  });

  it("gives a tenant under its weighted fair share all that it wants", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), tenantsArb, (max, tenants) => {
        const { view, share, want } = governed(max, tenants);
        const wanting = tenants.filter((t) => want(t.demand) > 0);
        const totalWeight = wanting.reduce((a, t) => a + t.weight, 0);
        // While the budget has a slot for each, every other wanting tenant keeps one.
        const othersMinimum = wanting.length <= view.budget ? wanting.length - 1 : 0;
        for (const t of wanting) {
          if (want(t.demand) <= ((view.budget - othersMinimum) * t.weight) / totalWeight) expect(share(t.tenant)).toBe(want(t.demand));
        }
      }),
    );
  });

  it("keeps weights among tenants left wanting, within rounding (|share - λ·weight| <= 1)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), tenantsArb, (max, tenants) => {
        const { share, want } = governed(max, tenants);
        const short = tenants.filter((t) => share(t.tenant) < want(t.demand));
        const highestLow = Math.max(...short.map((t) => (share(t.tenant) - 1) / t.weight));
        const lowestHigh = Math.min(...short.map((t) => (share(t.tenant) + 1) / t.weight));
        expect(highestLow).toBeLessThanOrEqual(lowestHigh + 1e-9);
      }),
    );
  });

  it("caps each controller at its share plus the whole spare: never above the budget (but for the floor of 1), and the shares once tenants want it all", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), tenantsArb, (max, tenants) => {
        const { core, view, want } = governed(max, tenants);
        const wanted = tenants.reduce((a, t) => a + want(t.demand), 0);
        const spare = view.budget - view.tenants.reduce((a, t) => a + t.share, 0);
        expect(spare).toBeGreaterThanOrEqual(0);
        for (const t of view.tenants) {
          expect(t.cap).toBe(Math.max(1, t.share + spare));
          expect(t.cap).toBeLessThanOrEqual(Math.max(1, view.budget));
          if (wanted >= view.budget) expect(t.cap).toBe(Math.max(1, t.share));
          expect(core.capOf(t.tenant)).toBe(t.cap);
        }
        expect(core.capOf("never-reported")).toBe(1);
      }),
    );
  });

  it("hands each tenant all of the budget nobody wants, so a burst between reports, or beside a tenant that just stopped, is not queued", () => {
    const { view } = governed(50, [
      { tenant: "a", demand: 1, weight: 1 },
      { tenant: "b", demand: 3, weight: 3 },
    ]);
    // Shares 2 and 4 (demand + headroom); the spare 44 is either's to use.
    expect(view.tenants.map((t) => [t.tenant, t.share, t.cap])).toEqual([
      ["a", 2, 46],
      ["b", 4, 48],
    ]);
  });

  it("splits a contended budget 1 : 1 : 2 by weight", () => {
    const { share } = governed(40, [
      { tenant: "a", demand: 500, weight: 1 },
      { tenant: "b", demand: 500, weight: 1 },
      { tenant: "c", demand: 500, weight: 2 },
    ]);
    expect([share("a"), share("b"), share("c")]).toEqual([10, 10, 20]);
  });

  it("keeps a flood from taking a quiet tenant's share", () => {
    const { share, core } = governed(6, [
      { tenant: "flood", demand: 1000, weight: 1 },
      { tenant: "quiet", demand: 1, weight: 1 },
    ]);
    expect(share("quiet")).toBe(2);
    expect(share("flood")).toBe(4);
    expect(core.report(report("quiet", 1), 10).cap).toBe(2);
  });
});

describe("GovernorCore over time", () => {
  it("undoes a cut that cost the fleet's admitted rate (a busy CPU, not a D1 queue), and tries none for a while", () => {
    const core = new GovernorCore({ maxBudget: 40 });
    let now = 0;
    const second = (meanMs: number, admittedPerSec: number): number => {
      now += 1000;
      core.report({ ...report("busy", 500, 1, { dbQueries: 500, dbMs: 500 * meanMs }), inflight: core.budget - 1, admittedPerSec }, now);
      core.report({ ...report("quiet", 1), inflight: 1 }, now); // a neighbour: alone, no cut is tried (below)
      core.tick(now);
      return core.budget;
    };
    expect(second(1, 100)).toBe(40);
    // One contended window is not yet a queue: the cut waits for the second.
    expect(second(20, 100)).toBe(40);
    const cut = second(20, 100);
    expect(cut).toBeLessThan(40);
    // Fewer slots, less served: the cut is judged two ticks later and undone.
    second(20, 50);
    expect(second(20, 50)).toBe(40);
    // Held: still contended, but no cut for ten ticks.
    for (let i = 0; i < 8; i++) expect(second(20, 100)).toBe(40);
  });

  it("has a rising tenant's share ready before its demand arrives (Holt forecast)", () => {
    const core = new GovernorCore({ maxBudget: 100 });
    for (let s = 0; s <= 5; s++) core.report(report("rising", 10 * s + 1), s * 1000);
    const rising = core.view(5000).tenants[0];
    expect(rising?.demand).toBe(51);
    // The trend says ~61 a second from now: its share covers more than it has now (+1 headroom).
    expect(rising?.forecast).toBeGreaterThan(55);
    expect(rising?.share).toBeGreaterThan(52);
  });

  it("gives a tenant's share to the others once it is silent for an interval and a half, and forgets it past staleAfterMs at the next tick", () => {
    const core = new GovernorCore({ maxBudget: 10 });
    core.report(report("gone", 100), 0);
    core.report(report("busy", 100), 1500);
    expect(core.shareOf("busy")).toBe(5);
    // Silent 1 501 ms: it wants nothing now, though it is still listed.
    core.report(report("busy", 100), 1501);
    expect(core.shareOf("busy")).toBe(10);
    expect(core.shareOf("gone")).toBe(0);
    expect(core.view(1501).tenants.map((t) => t.tenant)).toEqual(["busy", "gone"]);
    core.tick(2600);
    expect(core.view(2600).tenants.map((t) => t.tenant)).toEqual(["busy"]);
    expect(core.shareOf("busy")).toBe(10);
  });

  it("hears a tenant through its shards' reports too: it goes silent only when neither its root nor a shard reported for an interval and a half", () => {
    const core = new GovernorCore({ maxBudget: 10 });
    core.report(report("sharded", 100), 0);
    core.report({ ...report("sharded", 10), shard: 0 }, 1000);
    core.report(report("busy", 100), 2000);
    expect(core.shareOf("busy")).toBe(5);
    core.report(report("busy", 100), 2501);
    expect(core.shareOf("busy")).toBe(10);
  });

  it("cuts the budget when the fleet's D1 latency rises over its no-load baseline, and grows it back after", () => {
    const core = new GovernorCore({ maxBudget: 50 });
    let now = 0;
    const second = (meanMs: number): number => {
      now += 1000;
      // 500 queries a second: at 1 ms half a query is in D1 at once, at 10 ms five wait together.
      core.report({ ...report("flood", 500, 1, { dbQueries: 500, dbMs: 500 * meanMs }), inflight: Math.min(core.budget, 50), admittedPerSec: 100 }, now);
      core.report(report("quiet", 1), now);
      core.tick(now);
      return core.budget;
    };
    expect(second(1)).toBe(50);
    const contended = [second(10), second(10), second(10)];
    // Cut once the contention lasted two windows, and not grown while it lasts.
    expect(contended[0]).toBe(50);
    expect(contended[1]).toBeLessThan(50);
    expect(contended[2]).toBeLessThanOrEqual(contended[1] ?? 50);
    expect(core.view(now).contention.signal).toBeGreaterThan(2);
    let recovered = 0;
    for (let i = 0; i < 30; i++) recovered = second(1);
    expect(recovered).toBe(50);
  });

  it("does not cut a lone tenant's budget however contended its queries read: its own limit answers its latency; a neighbour, while remembered, makes the cut", () => {
    const core = new GovernorCore({ maxBudget: 50 });
    let now = 0;
    const second = (meanMs: number, neighbour: boolean): number => {
      now += 1000;
      core.report({ ...report("flood", 500, 1, { dbQueries: 500, dbMs: 500 * meanMs }), inflight: 40, admittedPerSec: 100 }, now);
      if (neighbour) core.report(report("quiet", 1), now);
      core.tick(now);
      return core.budget;
    };
    second(1, false);
    for (let i = 0; i < 5; i++) expect(second(10, false)).toBe(50);
    expect(core.view(now).contention.signal).toBeGreaterThan(2);
    second(10, true);
    const cut = second(10, true);
    expect(cut).toBeLessThan(50);
    // A neighbour heard 1-2 s ago is still remembered (staleAfterMs 2.5 s): the cut stands, not grown back.
    expect(second(10, false)).toBeLessThanOrEqual(cut);
    expect(second(10, false)).toBeLessThanOrEqual(cut);
  });

  it("grows a cut budget back by doubling once D1 is no longer contended", () => {
    const core = new GovernorCore({ maxBudget: 50 });
    let now = 0;
    const budgets: number[] = [];
    const second = (meanMs: number): void => {
      now += 1000;
      core.report({ ...report("flood", 500, 1, { dbQueries: 500, dbMs: 500 * meanMs }), inflight: Math.min(core.budget, 50), admittedPerSec: 100 }, now);
      core.report(report("quiet", 1), now);
      core.tick(now);
      budgets.push(core.budget);
    };
    second(1);
    for (let i = 0; i < 3; i++) second(10);
    for (let i = 0; i < 12; i++) second(1);
    const lastCut = budgets.findLastIndex((b, i) => i > 0 && b < budgets[i - 1]!);
    expect(lastCut).toBeGreaterThan(0);
    const grown = budgets.slice(lastCut + 1).filter((b, i, after) => b > (i === 0 ? budgets[lastCut]! : after[i - 1]!));
    expect(grown.length).toBeGreaterThan(0);
    for (let i = lastCut + 1; i < budgets.length; i++) {
      const before = budgets[i - 1]!;
      if (budgets[i]! > before) expect(budgets[i]).toBe(Math.min(50, 2 * before));
    }
    expect(budgets.at(-1)).toBe(50);
  });

  it("keeps the budget under a lowered DB_MAX_CONNECTIONS when resuming from storage", () => {
    expect(new GovernorCore({ maxBudget: 5 }, { budget: 40, baselineMs: 1 }).budget).toBe(5);
    expect(new GovernorCore({ maxBudget: 50 }, { budget: 12, baselineMs: 1 }).budget).toBe(12);
    expect(() => new GovernorCore({ maxBudget: 0 })).toThrow(RangeError);
  });

  it("reads malformed reports as no demand and weight 1", () => {
    const core = new GovernorCore({ maxBudget: 10 });
    core.report({ ...report("odd", Number.NaN), weight: -3, dbMs: Number.POSITIVE_INFINITY }, 0);
    // No demand, no share; the whole budget is spare, so its cap is all of it.
    expect(core.view(0).tenants[0]).toMatchObject({ demand: 0, weight: 1, share: 0, cap: 10 });
  });
});
