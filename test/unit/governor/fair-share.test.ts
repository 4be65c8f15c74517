import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fairShares, type TenantDemand } from "../../../durable-objects/governor/fair-share";

const tenant = (id: string, demand: number, weight = 1): TenantDemand => ({ id, demand, weight });
const asObject = (shares: Map<string, number>): Record<string, number> => Object.fromEntries(shares);

const demandArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 5 }),
  fc.integer({ min: 1, max: 200 }),
  fc.double({ min: 0, max: 80, noNaN: true }),
);
const weightArb = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.05, max: 20, noNaN: true }));
const tenantsArb = fc.uniqueArray(
  fc.record({ id: fc.string({ minLength: 1, maxLength: 4 }), demand: demandArb, weight: weightArb }),
  { selector: (t) => t.id, maxLength: 12 },
);
const budgetArb = fc.integer({ min: 0, max: 60 });

/** What each tenant could use: its demand rounded up to whole slots. */
const cap = (t: TenantDemand): number => Math.ceil(t.demand);
const shareOf = (shares: Map<string, number>, t: TenantDemand): number => shares.get(t.id) ?? Number.NaN;

describe("fairShares", () => {
  it("gives quiet tenants all they ask and the rest to the flood", () => {
    const shares = fairShares(20, [tenant("flood", 1000), tenant("quiet", 2), tenant("steady", 3)]);
    expect(asObject(shares)).toEqual({ flood: 15, quiet: 2, steady: 3 });
  });

  it("splits a contended budget in proportion to weight", () => {
    expect(asObject(fairShares(20, [tenant("a", 100, 1), tenant("b", 100, 3)]))).toEqual({ a: 5, b: 15 });
  });

  it("rounds demand up, and gives an idle tenant nothing", () => {
    expect(asObject(fairShares(10, [tenant("a", 2.1), tenant("idle", 0)]))).toEqual({ a: 3, idle: 0 });
  });

  it("keeps one slot for every tenant with demand when the budget allows, whatever the weights", () => {
    const shares = fairShares(10, [tenant("heavy", 100, 100), ...["a", "b", "c", "d"].map((id) => tenant(id, 100, 1))]);
    expect(asObject(shares)).toEqual({ heavy: 6, a: 1, b: 1, c: 1, d: 1 });
  });

  it("has no minimum when the budget is smaller than the tenants with demand: ties go to the smaller demand, then the smaller id", () => {
    expect(asObject(fairShares(2, [tenant("c", 5), tenant("a", 5), tenant("b", 5)]))).toEqual({ a: 1, b: 1, c: 0 });
    expect(asObject(fairShares(2, [tenant("a", 9), tenant("b", 1), tenant("c", 9)]))).toEqual({ a: 1, b: 1, c: 0 });
  });

  it("handles an empty budget and no tenants", () => {
    expect(asObject(fairShares(0, [tenant("a", 3)]))).toEqual({ a: 0 });
    expect(fairShares(5, []).size).toBe(0);
  });

  it("rejects bad input", () => {
    expect(() => fairShares(1.5, [])).toThrow(RangeError);
    expect(() => fairShares(-1, [])).toThrow(RangeError);
    expect(() => fairShares(5, [tenant("a", 1), tenant("a", 2)])).toThrow(RangeError);
    expect(() => fairShares(5, [tenant("a", -1)])).toThrow(RangeError);
    expect(() => fairShares(5, [tenant("a", Number.NaN)])).toThrow(RangeError);
    expect(() => fairShares(5, [tenant("a", 1, 0)])).toThrow(RangeError);
  });

  describe("properties", () => {
    it("never hands out more than the budget, nor more than a tenant's demand rounded up", () => {
      fc.assert(
        fc.property(budgetArb, tenantsArb, (budget, tenants) => {
          const shares = fairShares(budget, tenants);
          expect([...shares.keys()].sort()).toEqual(tenants.map((t) => t.id).sort());
          expect([...shares.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(budget);
          for (const t of tenants) {
            const share = shareOf(shares, t);
            expect(Number.isInteger(share)).toBe(true);
            expect(share).toBeGreaterThanOrEqual(0);
            expect(share).toBeLessThanOrEqual(cap(t));
          }
        }),
      );
    });

    it("is work conserving: the budget is spent while anyone still wants more", () => {
      fc.assert(
        fc.property(budgetArb, tenantsArb, (budget, tenants) => {
          const shares = fairShares(budget, tenants);
          const total = [...shares.values()].reduce((a, b) => a + b, 0);
          const demanded = tenants.reduce((a, t) => a + t.demand, 0);
          if (demanded >= budget) expect(total).toBe(budget);
          if (total < budget) for (const t of tenants) expect(shareOf(shares, t)).toBe(cap(t));
        }),
      );
    });

    it("gives every tenant with demand at least 1 when the budget has one for each", () => {
      fc.assert(
        fc.property(budgetArb, tenantsArb, (budget, tenants) => {
          const wanting = tenants.filter((t) => t.demand > 0);
          fc.pre(wanting.length <= budget);
          const shares = fairShares(budget, tenants);
          for (const t of wanting) expect(shareOf(shares, t)).toBeGreaterThanOrEqual(1);
        }),
      );
    });

    it("gives a tenant all of its demand when that is under its weighted fair share", () => {
      // With the minimum in force a tenant's guaranteed fair share is its weight's part of what is
      // left once every other tenant holds its one slot; without it, its part of the whole budget.
      fc.assert(
        fc.property(budgetArb, tenantsArb, (budget, tenants) => {
          const wanting = tenants.filter((t) => t.demand > 0);
          const totalWeight = wanting.reduce((a, t) => a + t.weight, 0);
          const othersMinimum = wanting.length <= budget ? wanting.length - 1 : 0;
          const shares = fairShares(budget, tenants);
          for (const t of wanting) {
            const fairShare = ((budget - othersMinimum) * t.weight) / totalWeight;
            if (cap(t) <= fairShare) expect(shareOf(shares, t)).toBe(cap(t));
          }
        }),
      );
    });

    it("gives a tenant all of its demand under its plain fair share when every plain fair share is at least 1", () => {
      const smallWeights = fc.uniqueArray(
        fc.record({ id: fc.string({ minLength: 1, maxLength: 4 }), demand: demandArb, weight: fc.integer({ min: 1, max: 4 }) }),
        { selector: (t) => t.id, minLength: 1, maxLength: 8 },
      );
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 60 }), smallWeights, (budget, tenants) => {
          const wanting = tenants.filter((t) => t.demand > 0);
          const totalWeight = wanting.reduce((a, t) => a + t.weight, 0);
          fc.pre(wanting.every((t) => (budget * t.weight) / totalWeight >= 1));
          const shares = fairShares(budget, tenants);
          for (const t of wanting) {
            if (cap(t) <= (budget * t.weight) / totalWeight) expect(shareOf(shares, t)).toBe(cap(t));
          }
        }),
      );
    });

    it("keeps the shares of tenants left wanting within 1 of a common λ·weight", () => {
      // Pairwise (s_i - 1) / w_i <= (s_j + 1) / w_j is the same as: some λ has |s_i - λ·w_i| <= 1 for all.
      fc.assert(
        fc.property(budgetArb, tenantsArb, (budget, tenants) => {
          const shares = fairShares(budget, tenants);
          const wanting = tenants.filter((t) => shareOf(shares, t) < cap(t));
          const highestLow = Math.max(...wanting.map((t) => (shareOf(shares, t) - 1) / t.weight));
          const lowestHigh = Math.min(...wanting.map((t) => (shareOf(shares, t) + 1) / t.weight));
          expect(highestLow).toBeLessThanOrEqual(lowestHigh + 1e-9);
        }),
      );
    });

    it("gives the same shares for the same tenants in any order", () => {
      fc.assert(
        fc.property(
          budgetArb,
          tenantsArb.chain((tenants) => fc.tuple(fc.constant(tenants), fc.shuffledSubarray(tenants, { minLength: tenants.length }))),
          (budget, [tenants, shuffled]) => {
            expect(asObject(fairShares(budget, shuffled))).toEqual(asObject(fairShares(budget, tenants)));
          },
        ),
      );
    });
  });
});
