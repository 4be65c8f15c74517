import { describe, expect, it } from "vitest";
import { SCALE_UP_AFTER_MS } from "../../../durable-objects/admission/shard-autoscaler";
import { DRAIN_MS, maxShardsFor, ShardPlan, TICK_MS } from "../../../durable-objects/admission/shard-plan";
import { T0 } from "./support";

const plan = (targetRps = 100) => new ShardPlan({ tenant: "t", targetRps, maxShards: 64 }, T0);

/** `perSec` root calls per second for `seconds`, one tick a second; returns the time reached. */
function serve(p: ShardPlan, perSec: number, seconds: number, from = T0): number {
  let now = from;
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < perSec; i++) p.noteCall(true);
    now += TICK_MS;
    p.tick(now);
  }
  return now;
}

describe("ShardPlan", () => {
  it("stays at K = 1 (an empty map: the root serves) under the target's 70 %", () => {
    const p = plan();
    serve(p, 60, 10);
    expect(p.k).toBe(1);
    expect(p.map()).toEqual({ version: 1, k: 1, shards: [], unhealthy: [] });
  });

  it("doubles K as the forecast passes 70 % of K x target and publishes the shards by name", () => {
    const p = plan();
    serve(p, 400, 5);
    expect(p.k).toBeGreaterThanOrEqual(8);
    expect(p.map().shards.map((s) => s.id)).toEqual(Array.from({ length: p.k }, (_, i) => `t#${i}`));
    expect(p.map().version).toBeGreaterThan(1);
  });

  it("counts the calls shards report, not only the root's own, once they have lasted SCALE_UP_AFTER_MS", () => {
    const p = plan();
    const ks: number[] = [];
    for (let at = T0 + TICK_MS; at <= T0 + TICK_MS + SCALE_UP_AFTER_MS; at += TICK_MS) {
      p.noteRenewal({ index: 0, heldSlots: 0, walletTokens: 0, returnedTokens: 0, demandRps: 300, callsPerSec: 600, samples: [] }, "lease", at - 10);
      p.tick(at);
      ks.push(p.k);
    }
    expect(ks.slice(0, -1)).toEqual([1, 1]);
    expect(ks.at(-1)).toBeGreaterThanOrEqual(8);
  });

  it("scales down after 60 s under 30 %, keeps serving a dropped shard for DRAIN_MS, then retires it", () => {
    const p = plan();
    let now = serve(p, 150, 3);
    expect(p.k).toBe(4);
    p.noteRenewal({ index: 3, heldSlots: 1, walletTokens: 5, returnedTokens: 0, demandRps: 10, callsPerSec: 20, samples: [] }, "lease-3", now);
    now = serve(p, 0, 59, now);
    expect(p.k).toBe(4);
    now = serve(p, 0, 2, now);
    // Quiet: every halving the forecast allows at once, down to the root alone.
    expect(p.k).toBe(1);
    expect(p.isServing(3, now)).toBe(true);
    expect(p.map().shards).toHaveLength(0);
    expect(p.isServing(3, now + DRAIN_MS)).toBe(false);
    expect(p.retiredHolding(now + DRAIN_MS)).toEqual([3]);
    p.forgetLease(3);
    expect(p.retiredHolding(now + DRAIN_MS)).toEqual([]);
  });

  it("publishes the shards its probe found failing, and bumps the version only on a change", () => {
    const p = plan();
    serve(p, 400, 3);
    const version = p.version;
    expect(p.recordProbe(new Map([[0, true], [1, false]]), T0)).toBe(true);
    expect(p.map().unhealthy).toEqual(["t#1"]);
    expect(p.version).toBe(version + 1);
    expect(p.recordProbe(new Map([[0, true], [1, false]]), T0)).toBe(false);
    p.recordProbe(new Map([[1, true]]), T0);
    expect(p.map().unhealthy).toEqual([]);
  });

  it("lets every shard have a slot: K never passes the tenant's concurrency", () => {
    expect(maxShardsFor(100, 64)).toBe(64);
    expect(maxShardsFor(10, 64)).toBe(8);
    expect(maxShardsFor(1, 64)).toBe(1);
  });
});

describe("ShardPlan weights", () => {
  it("publishes each shard's slot share as its weight, with a new version only when one moved by half or more", () => {
    const p = plan();
    let now = serve(p, 400, 3);
    const slots = new Map([["l0", 12], ["l1", 4]]);
    p.noteRenewal({ index: 0, heldSlots: 0, walletTokens: 0, returnedTokens: 0, demandRps: 300, callsPerSec: 200, samples: [] }, "l0", now);
    p.noteRenewal({ index: 1, heldSlots: 0, walletTokens: 0, returnedTokens: 0, demandRps: 100, callsPerSec: 200, samples: [] }, "l1", now);
    for (let i = 0; i < 400; i++) p.noteCall();
    now += TICK_MS;
    p.tick(now, false, (id) => slots.get(id));
    expect(p.map().shards.slice(0, 2).map((s) => s.weight)).toEqual([12, 4]);
    const version = p.version;
    slots.set("l0", 13);
    for (let i = 0; i < 400; i++) p.noteCall();
    p.tick(now + TICK_MS, false, (id) => slots.get(id));
    expect(p.version).toBe(version);
  });
});
