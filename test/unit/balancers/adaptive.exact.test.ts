import { describe, expect, it } from "vitest";
import { AdaptiveBalancer } from "../../../worker/admission/balancers/adaptive";
import { scripted, shards, T0 } from "./support";

const decayMs = 10_000;
const ok = (latencyMs: number) => ({ latencyMs, ok: true });

function withEstimates(estimates: Record<string, number>): AdaptiveBalancer {
  const balancer = new AdaptiveBalancer({ decayMs });
  for (const [shard, latencyMs] of Object.entries(estimates)) balancer.onEnd(shard, ok(latencyMs), T0);
  return balancer;
}

describe("AdaptiveBalancer, exactly", () => {
  it("picks the only candidate however busy and slow it is, without drawing a random number", () => {
    const balancer = withEstimates({ a: 100 });
    balancer.onStart("a", T0);
    balancer.onStart("a", T0);
    expect(balancer.pick(shards("a"), T0, scripted())).toBe("a");
    expect(balancer.pick([], T0, scripted())).toBeUndefined();
  });

  it("costs a shard never heard from at the mean of the two middle peers when their number is even", () => {
    expect(withEstimates({ a: 10, b: 30 }).costOf("new", shards("a", "b", "new"), T0)).toBe(20);
    expect(withEstimates({ a: 40, b: 10, c: 20, d: 100 }).costOf("new", shards("a", "b", "c", "d", "new"), T0)).toBe(30);
  });

  it("takes the median of the peers in latency order, not in candidate order", () => {
    expect(withEstimates({ a: 30, b: 10, c: 20 }).costOf("new", shards("a", "b", "c", "new"), T0)).toBe(20);
  });

  it("leaves peers without an estimate out of the median", () => {
    expect(withEstimates({ a: 10, b: 20 }).costOf("new", shards("a", "b", "unknown", "new"), T0)).toBe(15);
  });

  it("fades a quiet shard's estimate towards its peers' median, its own estimate left out", () => {
    const balancer = withEstimates({ a: 100, b: 10, c: 20 });
    // Peers b and c: neutral 15; after one decay time 1/e of the difference is left.
    expect(balancer.costOf("a", shards("a", "b", "c"), T0 + decayMs)).toBeCloseTo(15 + 85 / Math.E, 9);
  });
});
