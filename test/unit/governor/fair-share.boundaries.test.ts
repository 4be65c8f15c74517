import { describe, expect, it } from "vitest";
import { fairShares } from "../../../durable-objects/governor/fair-share";

const shares = (budget: number, tenants: Array<[string, number, number]>) =>
  Object.fromEntries(fairShares(budget, tenants.map(([id, demand, weight]) => ({ id, demand, weight }))));

describe("fairShares, exactly", () => {
  it("splits by weight when everyone wants more than the budget", () => {
    expect(shares(10, [["a", 20, 3], ["b", 20, 1]])).toEqual({ a: 8, b: 2 }); // 7.5 / 2.5, tie on remainder to the smaller id
  });

  it("gives the leftover unit to the largest remainder, even when that tenant's whole part is smaller", () => {
    expect(shares(10, [["a", 100, 37], ["b", 100, 13]])).toEqual({ a: 7, b: 3 }); // 7.4 / 2.6
  });

  it("breaks a remainder tie by id whatever the input order", () => {
    expect(shares(1, [["b", 1, 1], ["a", 1, 1]])).toEqual({ a: 1, b: 0 });
    expect(shares(1, [["a", 1, 1], ["b", 1, 1]])).toEqual({ a: 1, b: 0 });
  });

  it("gives every tenant its demand when the budget covers exactly the total", () => {
    expect(shares(6, [["a", 2.5, 1], ["b", 3, 5]])).toEqual({ a: 3, b: 3 });
  });

  it("names what is wrong with its input", () => {
    expect(() => fairShares(1.5, [])).toThrow("budget must be a whole number >= 0, got 1.5");
    expect(() => fairShares(1, [{ id: "a", demand: 1, weight: 1 }, { id: "a", demand: 1, weight: 1 }])).toThrow("tenant a appears twice");
    expect(() => fairShares(1, [{ id: "a", demand: -1, weight: 1 }])).toThrow("tenant a: demand must be finite and >= 0, got -1");
    expect(() => fairShares(1, [{ id: "a", demand: 1, weight: 0 }])).toThrow("tenant a: weight must be finite and > 0, got 0");
  });

  it("gives each tenant its one slot when the budget is exactly one per tenant with demand", () => {
    expect(shares(2, [["a", 5, 4], ["b", 5, 1]])).toEqual({ a: 1, b: 1 });
    // A tenant without demand does not count towards "one per tenant".
    expect(shares(2, [["a", 5, 4], ["b", 5, 1], ["c", 0, 1]])).toEqual({ a: 1, b: 1, c: 0 });
  });

  it("lifts a tenant above its minimum of one only where λ·w passes it", () => {
    expect(shares(3, [["a", 4, 2], ["b", 4, 3]])).toEqual({ a: 1, b: 2 }); // λ = 0.6: 1.2 / 1.8
  });

  it("keeps raising the level past a tenant whose whole demand is met", () => {
    expect(shares(6, [["b", 5, 1], ["a", 4, 3]])).toEqual({ a: 4, b: 2 }); // a capped at 4, λ = 2
  });

  it("gives a remainder tie to the smaller demand before the smaller id", () => {
    expect(shares(1, [["a", 6, 4], ["b", 1, 4]])).toEqual({ a: 0, b: 1 }); // 0.5 / 0.5
  });

  it("answers in id order whatever the input order", () => {
    const tenants = [{ id: "b", demand: 1, weight: 2 }, { id: "c", demand: 2, weight: 1 }, { id: "a", demand: 6, weight: 4 }];
    expect([...fairShares(5, tenants).keys()]).toEqual(["a", "b", "c"]);
  });
});
