import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LeastConnectionsBalancer } from "../../../worker/admission/balancers/least-connections";
import { seededRandom, shards, T0 } from "./support";

const ok = { latencyMs: 5, ok: true };

describe("LeastConnectionsBalancer", () => {
  it("picks the shard with the fewest calls in flight", () => {
    const balancer = new LeastConnectionsBalancer();
    balancer.onStart("a", T0);
    balancer.onStart("a", T0);
    balancer.onStart("b", T0);
    expect(balancer.pick(shards("a", "b", "c"), T0, Math.random)).toBe("c");
    balancer.onStart("c", T0);
    balancer.onStart("c", T0);
    expect(balancer.pick(shards("a", "b", "c"), T0, Math.random)).toBe("b");
  });

  it("counts a call as done once it ends, whatever its outcome", () => {
    const balancer = new LeastConnectionsBalancer();
    balancer.onStart("a", T0);
    balancer.onStart("b", T0);
    balancer.onStart("b", T0);
    balancer.onEnd("b", { latencyMs: 30_000, ok: false }, T0 + 1);
    balancer.onEnd("b", ok, T0 + 1);
    expect(balancer.inFlightTo("b")).toBe(0);
    expect(balancer.pick(shards("a", "b"), T0 + 1, Math.random)).toBe("b");
  });

  it("ignores an end without a start instead of counting below zero", () => {
    const balancer = new LeastConnectionsBalancer();
    balancer.onEnd("a", ok, T0);
    balancer.onStart("a", T0);
    expect(balancer.inFlightTo("a")).toBe(1);
    expect(balancer.pick(shards("a", "b"), T0, () => 0)).toBe("b");
  });

  it("breaks ties at random, evenly", () => {
    const balancer = new LeastConnectionsBalancer();
    const candidates = shards("a", "b", "c");
    expect(balancer.pick(candidates, T0, () => 0)).toBe("a");
    expect(balancer.pick(candidates, T0, () => 0.5)).toBe("b");
    expect(balancer.pick(candidates, T0, () => 0.999)).toBe("c");
    const random = seededRandom(7);
    const counts = new Map<string, number>();
    for (let i = 0; i < 30_000; i++) {
      const pick = balancer.pick(candidates, T0, random) ?? "none";
      counts.set(pick, (counts.get(pick) ?? 0) + 1);
    }
    for (const id of ["a", "b", "c"]) expect((counts.get(id) ?? 0) / 30_000).toBeCloseTo(1 / 3, 1);
  });

  it("never picks a shard with more in flight than another candidate", () => {
    const universe = ["s0", "s1", "s2", "s3", "s4"];
    const op = fc.oneof(
      fc.record({ kind: fc.constant("start" as const), shard: fc.constantFrom(...universe) }),
      fc.record({ kind: fc.constant("end" as const), shard: fc.constantFrom(...universe) }),
      fc.record({ kind: fc.constant("pick" as const), members: fc.subarray(universe, { minLength: 1 }), random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const balancer = new LeastConnectionsBalancer();
        const model = new Map<string, number>();
        for (const step of ops) {
          if (step.kind === "start") {
            balancer.onStart(step.shard, T0);
            model.set(step.shard, (model.get(step.shard) ?? 0) + 1);
          } else if (step.kind === "end") {
            balancer.onEnd(step.shard, ok, T0);
            model.set(step.shard, Math.max((model.get(step.shard) ?? 0) - 1, 0));
          } else {
            const pick = balancer.pick(shards(...step.members), T0, () => step.random);
            expect(step.members).toContain(pick);
            const picked = model.get(pick ?? "") ?? 0;
            for (const other of step.members) expect(picked).toBeLessThanOrEqual(model.get(other) ?? 0);
          }
        }
      }),
    );
  });
});
