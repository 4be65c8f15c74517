import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ShardId } from "../../../worker/admission/balancers/balancer";
import { RoundRobinBalancer } from "../../../worker/admission/balancers/round-robin";
import { picks, shards, T0 } from "./support";

describe("RoundRobinBalancer", () => {
  it("cycles over the candidates in list order", () => {
    expect(picks(new RoundRobinBalancer(), shards("a", "b", "c"), 7)).toEqual(["a", "b", "c", "a", "b", "c", "a"]);
  });

  it("picks nothing from no candidates", () => {
    expect(new RoundRobinBalancer().pick([], T0, Math.random)).toBeUndefined();
  });

  it("carries on with the next shard when the last one picked leaves the set", () => {
    const balancer = new RoundRobinBalancer();
    expect(picks(balancer, shards("a", "b", "c"), 2)).toEqual(["a", "b"]);
    expect(picks(balancer, shards("a", "c"), 1)).toEqual(["c"]);
    expect(picks(balancer, shards("a", "b", "c"), 3)).toEqual(["a", "b", "c"]);
  });

  it("takes newly added shards into the cycle after the current one", () => {
    const balancer = new RoundRobinBalancer();
    expect(picks(balancer, shards("a", "b"), 3)).toEqual(["a", "b", "a"]);
    expect(picks(balancer, shards("a", "b", "c", "d"), 4)).toEqual(["b", "c", "d", "a"]);
  });

  it("stays fair while the set changes: never the same shard twice in a row, every stable run a rotation", () => {
    const universe = ["s0", "s1", "s2", "s3", "s4", "s5"];
    const phase = fc.record({
      members: fc.subarray(universe, { minLength: 1 }),
      count: fc.integer({ min: 1, max: 15 }),
    });
    fc.assert(
      fc.property(fc.array(phase, { minLength: 1, maxLength: 12 }), (phases) => {
        const balancer = new RoundRobinBalancer();
        let previous: ShardId | undefined;
        for (const { members, count } of phases) {
          const run = picks(balancer, shards(...members), count);
          for (const pick of run) {
            expect(members).toContain(pick);
            if (members.length > 1) expect(pick).not.toBe(previous);
            previous = pick;
          }
          const n = members.length;
          expect(new Set(run.slice(0, n)).size).toBe(Math.min(n, run.length));
          run.forEach((pick, k) => {
            if (k >= n) expect(pick).toBe(run[k - n]);
          });
        }
      }),
    );
  });
});
