import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../worker/config";
import { createBalancer } from "../../../worker/admission/balancers/create-balancer";
import { shippedVars } from "../shipped-vars";
import { picks, scripted, shards, T0 } from "./support";

const balancerFor = (algorithm: string) => createBalancer(parseConfig({ ...shippedVars(), LOAD_BALANCER_ALGORITHM: algorithm }).loadBalancerAlgorithm);

describe("createBalancer from LOAD_BALANCER_ALGORITHM", () => {
  it("round-robin cycles", () => {
    expect(picks(balancerFor("round-robin"), shards("a", "b", "c"), 4)).toEqual(["a", "b", "c", "a"]);
  });

  it("least-connections avoids the busier shard", () => {
    const balancer = balancerFor("least-connections");
    balancer.onStart("a", T0);
    expect(picks(balancer, shards("a", "b"), 3, () => 0)).toEqual(["b", "b", "b"]);
  });

  it("weighted follows the shares", () => {
    const candidates = [
      { id: "a", weight: 5 },
      { id: "b", weight: 1 },
      { id: "c", weight: 1 },
    ];
    expect(picks(balancerFor("weighted"), candidates, 7)).toEqual(["a", "a", "b", "a", "c", "a", "a"]);
  });

  it("adaptive avoids the slower of two idle shards", () => {
    const balancer = balancerFor("adaptive");
    balancer.onEnd("a", { latencyMs: 80, ok: true }, T0);
    balancer.onEnd("b", { latencyMs: 8, ok: true }, T0);
    expect(balancer.pick(shards("a", "b"), T0, scripted(0, 0))).toBe("b");
    expect(balancer.pick(shards("a", "b"), T0, scripted(0.9, 0))).toBe("b");
  });

  it("gives each caller its own state", () => {
    const first = balancerFor("round-robin");
    first.pick(shards("a", "b"), T0, Math.random);
    expect(balancerFor("round-robin").pick(shards("a", "b"), T0, Math.random)).toBe("a");
  });
});
