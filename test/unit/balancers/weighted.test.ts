import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ShardCandidate } from "../../../worker/admission/balancers/balancer";
import { WeightedBalancer } from "../../../worker/admission/balancers/weighted";
import { picks } from "./support";

const weighted = (weights: number[]): ShardCandidate[] => weights.map((weight, i) => ({ id: `s${i}`, weight }));

function countPicks(balancer: WeightedBalancer, candidates: ShardCandidate[], count: number): number[] {
  const counts = candidates.map(() => 0);
  for (const pick of picks(balancer, candidates, count)) {
    const i = candidates.findIndex(({ id }) => id === pick);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

describe("WeightedBalancer (smooth weighted round robin)", () => {
  it("spreads 5:1:1 as a a b a c a a, and repeats it", () => {
    const candidates = [
      { id: "a", weight: 5 },
      { id: "b", weight: 1 },
      { id: "c", weight: 1 },
    ];
    const cycle = ["a", "a", "b", "a", "c", "a", "a"];
    expect(picks(new WeightedBalancer(), candidates, 21)).toEqual([...cycle, ...cycle, ...cycle]);
  });

  it("gives each shard exactly its integer weight in every run of total-weight picks", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }), (weights) => {
        const balancer = new WeightedBalancer();
        const candidates = weighted(weights);
        const total = weights.reduce((sum, w) => sum + w, 0);
        for (let round = 0; round < 3; round++) expect(countPicks(balancer, candidates, total)).toEqual(weights);
      }),
    );
  });

  it("converges to the weights' shares for any positive weights", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 3000 }),
        (weights, count) => {
          const counts = countPicks(new WeightedBalancer(), weighted(weights), count);
          const total = weights.reduce((sum, w) => sum + w, 0);
          // A shard's pick count never strays from its exact share by a whole number of picks
          // larger than the number of shards, so shares converge as 1/count.
          weights.forEach((weight, i) => expect(Math.abs((counts[i] ?? 0) - (count * weight) / total)).toBeLessThanOrEqual(weights.length));
        },
      ),
    );
  });

  it("never picks a shard without budget while another has some", () => {
    const candidates = [
      { id: "a", weight: 0 },
      { id: "b", weight: 3 },
      { id: "c", weight: Number.NaN },
      { id: "d", weight: -2 },
    ];
    expect(new Set(picks(new WeightedBalancer(), candidates, 20))).toEqual(new Set(["b"]));
  });

  it("shares equally when no candidate has a usable weight", () => {
    const candidates = [
      { id: "a", weight: 0 },
      { id: "b", weight: 0 },
    ];
    expect(picks(new WeightedBalancer(), candidates, 4)).toEqual(["a", "b", "a", "b"]);
  });

  it("follows the candidate set as it changes and picks nothing from an empty one", () => {
    const balancer = new WeightedBalancer();
    picks(balancer, weighted([2, 1, 1]), 3);
    const without = weighted([2, 1, 1]).filter(({ id }) => id !== "s0");
    expect(new Set(picks(balancer, without, 10))).toEqual(new Set(["s1", "s2"]));
    expect(balancer.pick([], 0, Math.random)).toBeUndefined();
  });
});
