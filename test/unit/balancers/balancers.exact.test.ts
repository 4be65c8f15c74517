import { describe, expect, it } from "vitest";
import { LeastConnectionsBalancer } from "../../../worker/admission/balancers/least-connections";
import { observeLatency } from "../../../worker/admission/balancers/peak-ewma";
import { randomIndex } from "../../../worker/admission/balancers/random-index";
import { RoundRobinBalancer } from "../../../worker/admission/balancers/round-robin";
import { ShardHealth } from "../../../worker/admission/balancers/shard-health";
import { WeightedBalancer } from "../../../worker/admission/balancers/weighted";
import type { ShardCandidate } from "../../../worker/admission/balancers/balancer";
import { picks, scripted, shards, T0 } from "./support";

const weighted = (weights: Record<string, number>): ShardCandidate[] => Object.entries(weights).map(([id, weight]) => ({ id, weight }));

describe("LeastConnectionsBalancer, exactly", () => {
  it("picks nothing from no candidates, without drawing a random number", () => {
    expect(new LeastConnectionsBalancer().pick([], T0, scripted())).toBeUndefined();
  });

  it("leaves a busier shard out of the tie, wherever it stands in the list", () => {
    const balancer = new LeastConnectionsBalancer();
    balancer.onStart("b", T0);
    expect(balancer.pick(shards("a", "b"), T0, scripted(0.99))).toBe("a");
  });

  it("counts each call in flight until its own end", () => {
    const balancer = new LeastConnectionsBalancer();
    balancer.onStart("a", T0);
    balancer.onStart("a", T0);
    balancer.onEnd("a", { latencyMs: 5, ok: true }, T0);
    expect(balancer.inFlightTo("a")).toBe(1);
  });
});

describe("peak-EWMA, exactly", () => {
  it("keeps an estimate exactly as it was when a sample repeats it", () => {
    // Blending 123.456 with itself over 1 s would come out 1 ulp off.
    expect(observeLatency({ latencyMs: 123.456, at: T0 }, 123.456, T0 + 1000, 10_000)).toEqual({ latencyMs: 123.456, at: T0 + 1000 });
  });
});

describe("randomIndex", () => {
  it("stays in range for a generator that returns exactly 1", () => {
    expect(randomIndex(() => 1, 3)).toBe(2);
    expect(randomIndex(() => 0.999, 3)).toBe(2);
    expect(randomIndex(() => 0, 3)).toBe(0);
  });
});

describe("RoundRobinBalancer, exactly", () => {
  it("carries on where it was after being asked to pick from an empty set", () => {
    const balancer = new RoundRobinBalancer();
    const abc = shards("a", "b", "c");
    expect(balancer.pick(abc, T0, scripted())).toBe("a");
    expect(balancer.pick([], T0, scripted())).toBeUndefined();
    expect(picks(balancer, abc, 3, scripted())).toEqual(["b", "c", "a"]);
  });
});

describe("ShardHealth, exactly", () => {
  it("names no failover target without drawing a random number when there is none", () => {
    const health = new ShardHealth({ ejectForMs: 10_000, timeoutMs: 1000 });
    expect(health.failoverTarget(shards("a"), "a", T0, scripted())).toBeUndefined();
  });
});

describe("WeightedBalancer, exactly", () => {
  it("never picks a shard whose weight dropped to zero, whatever score it kept", () => {
    const balancer = new WeightedBalancer();
    expect(balancer.pick(weighted({ a: 1, b: 1 }), T0, scripted())).toBe("a");
    expect(picks(balancer, weighted({ a: 1, b: 0 }), 3, scripted())).toEqual(["a", "a", "a"]);
  });

  it("treats an infinite weight as no usable weight", () => {
    expect(picks(new WeightedBalancer(), weighted({ a: Infinity, b: 1 }), 3, scripted())).toEqual(["b", "b", "b"]);
  });

  it("lets a negative weight neither count towards the total nor pile up score for the others", () => {
    const balancer = new WeightedBalancer();
    expect(picks(balancer, weighted({ a: -1, b: 1 }), 3, scripted())).toEqual(["b", "b", "b"]);
    expect(picks(balancer, weighted({ a: 1, b: 1 }), 2, scripted())).toEqual(["a", "b"]);
  });
});
