import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdaptiveBalancer } from "../../../worker/admission/balancers/adaptive";
import { LeastConnectionsBalancer } from "../../../worker/admission/balancers/least-connections";
import { RoundRobinBalancer } from "../../../worker/admission/balancers/round-robin";
import { scripted, shards, share, simulateClosedLoop, T0 } from "./support";

const decayMs = 10_000;
const ok = (latencyMs: number) => ({ latencyMs, ok: true });

describe("AdaptiveBalancer (P2C over peak-EWMA latency x (in flight + 1))", () => {
  it("costs a shard its latency estimate times (calls in flight + 1)", () => {
    const balancer = new AdaptiveBalancer({ decayMs });
    const candidates = shards("a", "b");
    balancer.onEnd("a", ok(10), T0);
    balancer.onEnd("b", ok(30), T0);
    expect(balancer.costOf("a", candidates, T0)).toBe(10);
    for (let i = 0; i < 3; i++) balancer.onStart("a", T0);
    expect(balancer.costOf("a", candidates, T0)).toBe(40);
    expect(balancer.pick(candidates, T0, scripted(0, 0))).toBe("b");
    balancer.onEnd("a", ok(10), T0);
    expect(balancer.pick(candidates, T0, scripted(0, 0))).toBe("a");
  });

  it("counts one slow answer at once, then lets faster ones pull the estimate back within a few decay times", () => {
    const balancer = new AdaptiveBalancer({ decayMs });
    const candidates = shards("a");
    balancer.onEnd("a", ok(10), T0);
    balancer.onEnd("a", ok(500), T0 + 100);
    expect(balancer.costOf("a", candidates, T0 + 100)).toBe(500);
    for (let t = T0 + 200; t <= T0 + 5 * decayMs; t += 100) balancer.onEnd("a", ok(10), t);
    expect(balancer.costOf("a", candidates, T0 + 5 * decayMs)).toBeLessThan(15);
  });

  it("costs a shard it has never heard from like the median of its peers", () => {
    const balancer = new AdaptiveBalancer({ decayMs });
    const candidates = shards("a", "b", "c", "new");
    balancer.onEnd("a", ok(10), T0);
    balancer.onEnd("b", ok(20), T0);
    balancer.onEnd("c", ok(100), T0);
    expect(balancer.costOf("new", candidates, T0)).toBe(20);
    balancer.onStart("new", T0);
    expect(balancer.costOf("new", candidates, T0)).toBe(40);
    expect(balancer.costOf("x", shards("x", "y"), T0)).toBe(1);
  });

  it("does not let a shard that fails fast look fast", () => {
    const balancer = new AdaptiveBalancer({ decayMs });
    balancer.onEnd("a", ok(50), T0);
    balancer.onEnd("a", { latencyMs: 1, ok: false }, T0 + 5_000);
    expect(balancer.costOf("a", shards("a"), T0 + 5_000)).toBe(50);
  });

  it("probes a slow shard again once its estimate has faded towards its peers'", () => {
    const balancer = new AdaptiveBalancer({ decayMs });
    const candidates = shards("fast", "slow");
    balancer.onEnd("fast", ok(10), T0);
    balancer.onEnd("slow", ok(100), T0);
    balancer.onStart("fast", T0);
    expect(balancer.pick(candidates, T0 + 1_000, scripted(0, 0))).toBe("fast");
    const later = T0 + 3 * decayMs;
    balancer.onEnd("fast", ok(10), later);
    balancer.onStart("fast", later);
    expect(balancer.pick(candidates, later, scripted(0, 0))).toBe("slow");
  });

  it("picks nothing from no candidates, and the only one from one", () => {
    const balancer = new AdaptiveBalancer({ decayMs });
    expect(balancer.pick([], T0, Math.random)).toBeUndefined();
    expect(balancer.pick(shards("a"), T0, Math.random)).toBe("a");
  });

  it("keeps the cheaper of the two shards it sampled unless their costs tie within tieRatio, and never one costing more than tieRatio x the other", () => {
    const universe = ["s0", "s1", "s2", "s3", "s4", "s5"];
    const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
    const op = fc.oneof(
      fc.record({ kind: fc.constant("start" as const), shard: fc.constantFrom(...universe) }),
      fc.record({ kind: fc.constant("end" as const), shard: fc.constantFrom(...universe), latencyMs: fc.integer({ min: 0, max: 2_000 }), ok: fc.boolean() }),
      fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 60_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.subarray(universe, { minLength: 2 }), unit, unit, fc.constantFrom(1, 1.25, 2), (ops, members, r1, r2, tieRatio) => {
        const balancer = new AdaptiveBalancer({ decayMs, tieRatio });
        let now = T0;
        for (const step of ops) {
          if (step.kind === "start") balancer.onStart(step.shard, now);
          else if (step.kind === "end") balancer.onEnd(step.shard, { latencyMs: step.latencyMs, ok: step.ok }, now);
          else now += step.ms;
        }
        const candidates = shards(...members);
        // The two sampled: index floor(r1 n), then floor(r2 (n - 1)) among the others.
        const first = Math.floor(r1 * members.length);
        const rest = Math.floor(r2 * (members.length - 1));
        const sampled = [members[first] ?? "", members[rest >= first ? rest + 1 : rest] ?? ""];
        const pick = balancer.pick(candidates, now, scripted(r1, r2));
        expect(sampled).toContain(pick);
        const [cost0 = NaN, cost1 = NaN] = sampled.map((id) => balancer.costOf(id, candidates, now));
        const cheaper = Math.min(cost0, cost1);
        const picked = balancer.costOf(pick ?? "", candidates, now);
        expect(picked).toBeLessThanOrEqual(tieRatio * cheaper);
        if (Math.max(cost0, cost1) > tieRatio * cheaper) expect(picked).toBe(cheaper);
      }),
    );
  });

  it("sends a shard 10x slower than the others under 10 % of closed-loop traffic", () => {
    const loop = {
      candidates: shards("s0", "s1", "s2", "slow"),
      latencyMs: (shard: string) => (shard === "slow" ? 100 : 10),
      clients: 16,
      durationMs: 30_000,
      seed: 42,
    };
    const adaptive = share(simulateClosedLoop(new AdaptiveBalancer({ decayMs }), loop), "slow");
    expect(adaptive).toBeLessThan(0.1);
    // A latency-blind balancer gives it its full quarter; counting in-flight calls alone only
    // slows its traffic to what its latency allows. Latency-aware costing does better than both.
    expect(share(simulateClosedLoop(new RoundRobinBalancer(), loop), "slow")).toBeCloseTo(0.25, 2);
    expect(adaptive).toBeLessThan(share(simulateClosedLoop(new LeastConnectionsBalancer(), loop), "slow") / 2);
  });

  it("spreads calls evenly over shards alike whose estimates differ by noise, where exact comparison feeds one favourite 2/K", () => {
    const ids = ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"];
    const loop = { candidates: shards(...ids), latencyMs: (shard: string) => 10 * (1 + 0.02 * ids.indexOf(shard)), clients: 1, durationMs: 60_000, seed: 7 };
    const busiest = (received: Map<string, number>) => Math.max(...ids.map((id) => share(received, id)));
    expect(busiest(simulateClosedLoop(new AdaptiveBalancer({ decayMs, tieRatio: 1 }), loop))).toBeGreaterThan(1.6 / ids.length);
    expect(busiest(simulateClosedLoop(new AdaptiveBalancer({ decayMs }), loop))).toBeLessThan(1.2 / ids.length);
  });

  it("breaks a tie in favour of the shard picked less lately, the count halving every second", () => {
    const balancer = new AdaptiveBalancer({ decayMs });
    const candidates = shards("a", "b");
    balancer.onEnd("a", ok(10), T0);
    balancer.onEnd("b", ok(11), T0);
    expect(balancer.pick(candidates, T0, scripted(0, 0))).toBe("a"); // a tie: neither picked yet, the first drawn
    expect(balancer.pick(candidates, T0, scripted(0, 0))).toBe("b"); // a picked once, b never
    expect(balancer.recentPicks("a", T0)).toBe(1);
    expect(balancer.recentPicks("a", T0 + 1000)).toBeCloseTo(0.5, 10);
    balancer.onEnd("b", ok(14), T0); // 14 > 1.25 x 10: no longer a tie
    expect(balancer.pick(candidates, T0, scripted(0, 0))).toBe("a");
    expect(balancer.pick(candidates, T0, scripted(0, 0))).toBe("a");
  });
});
