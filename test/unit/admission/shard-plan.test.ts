import { describe, expect, it } from "vitest";
import { SCALE_UP_AFTER_MS } from "../../../durable-objects/admission/shard-autoscaler";
import { DRAIN_MS, maxShardsFor, REPORT_STALE_MS, ShardPlan, TICK_MS } from "../../../durable-objects/admission/shard-plan";
import { shardRequest, T0 } from "./support";

const plan = (targetRps = 100) => new ShardPlan({ tenant: "t", targetRps, maxShards: 64 }, T0);

/** `perSec` root calls per second for `seconds`, one tick a second; returns the time reached. */
function serve(p: ShardPlan, perSec: number, seconds: number, from = T0): number {
  let now = from;
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < perSec; i++) p.noteCall("acquire");
    now += TICK_MS;
    p.tick(now);
  }
  return now;
}

/** Like `serve`, until a tick changes K (and says so); returns that tick's time. */
function serveUntilKChanges(p: ShardPlan, perSec: number, from: number): number {
  const k = p.k;
  let now = from;
  let changed = false;
  for (let s = 0; s < 120 && !changed; s++) {
    for (let i = 0; i < perSec; i++) p.noteCall("acquire");
    now += TICK_MS;
    changed = p.tick(now);
  }
  expect(changed).toBe(true);
  expect(p.k).not.toBe(k);
  return now;
}

const noLease = (): undefined => undefined;

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
    // No shard holds slots yet: every weight is 1.
    expect(p.map().shards).toEqual(Array.from({ length: p.k }, (_, i) => ({ id: `t#${i}`, weight: 1 })));
    expect(p.map().version).toBeGreaterThan(1);
  });

  it("counts the calls shards report, not only the root's own, once they have lasted SCALE_UP_AFTER_MS, and weighs the new map by the slots leased", () => {
    const p = plan();
    const changed: boolean[] = [];
    const ks: number[] = [];
    for (let at = T0 + TICK_MS; at <= T0 + TICK_MS + SCALE_UP_AFTER_MS; at += TICK_MS) {
      p.noteRenewal(shardRequest({ demandRps: 300, callsPerSec: 600 }), "lease", at - 10);
      changed.push(p.tick(at, false, (id) => (id === "lease" ? 5 : undefined)));
      ks.push(p.k);
    }
    expect(ks.slice(0, -1)).toEqual([1, 1]);
    expect(changed.at(-1)).toBe(true);
    expect(ks.at(-1)).toBeGreaterThanOrEqual(8);
    expect(p.map().shards.slice(0, 2)).toEqual([{ id: "t#0", weight: 5 }, { id: "t#1", weight: 1 }]);
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
    expect(p.version).toBe(version + 1);
    p.recordProbe(new Map([[1, true]]), T0);
    expect(p.map().unhealthy).toEqual([]);
  });

  it("lists the failing shards by index, ignores a probe of one past K, and remembers when it probed", () => {
    const one = plan();
    expect(one.lastProbeAt).toBeNull();
    expect(one.recordProbe(new Map([[1, false]]), T0)).toBe(false);
    expect(one.map().unhealthy).toEqual([]);
    expect(one.version).toBe(1);
    expect(one.lastProbeAt).toBe(T0);

    const many = plan(1);
    serve(many, 100, 3);
    expect(many.k).toBe(64);
    many.recordProbe(new Map([[10, false], [2, false], [5, false]]), T0 + 5);
    expect(many.map().unhealthy).toEqual(["t#2", "t#5", "t#10"]);
  });

  it("restores K, the map version and the forecast from its snapshot", () => {
    const p = plan();
    const now = serve(p, 400, 3);
    const restored = new ShardPlan({ tenant: "t", targetRps: 100, maxShards: 64 }, now, p.snapshot());
    expect(restored.snapshot()).toEqual(p.snapshot());
    expect(restored.k).toBe(p.k);
    expect(restored.version).toBe(p.version);
    expect(restored.state(now, noLease).forecastPerSec).toBe(p.state(now, noLease).forecastPerSec);
    expect(p.state(now, noLease).forecastPerSec).toBeGreaterThan(0);
  });

  it("counts the root's acquires per second as its own demand, and every call it served as load", () => {
    const p = plan();
    for (let i = 0; i < 10; i++) p.noteCall("acquire");
    for (let i = 0; i < 30; i++) p.noteCall("other");
    // 40 calls in 2 s leave K at 1: the map did not change.
    expect(p.tick(T0 + 2 * TICK_MS)).toBe(false);
    expect(p.state(T0 + 2 * TICK_MS, noLease).callsPerSec).toBe(20);
    // One slot stays with the root while the limit is above K.
    expect(p.liveDemand(T0 + 2 * TICK_MS, 2)).toEqual({ totalDemandRps: 5, liveShards: 1, reserveSlots: 1 });
    expect(p.liveDemand(T0 + 2 * TICK_MS, 1).reserveSlots).toBe(0);
  });

  it("measures at most once per TICK_MS unless forced, and never over no time at all", () => {
    const p = plan();
    for (let i = 0; i < 10; i++) p.noteCall("acquire");
    expect(p.tick(T0, true)).toBe(false);
    expect(p.tick(T0 + TICK_MS / 2)).toBe(false);
    p.tick(T0 + TICK_MS);
    // The 10 calls are measured over the whole second.
    expect(p.state(T0 + TICK_MS, noLease).callsPerSec).toBe(10);
    expect(p.liveDemand(T0 + TICK_MS, 1).totalDemandRps).toBe(10);
    for (let i = 0; i < 10; i++) p.noteCall("other");
    p.tick(T0 + 1.5 * TICK_MS, true);
    expect(p.state(T0 + 1.5 * TICK_MS, noLease).callsPerSec).toBe(20);
  });

  it("serves the shards under K, knows their lease ids, and forgets one on request", () => {
    const p = plan();
    expect(p.isServing(0, T0)).toBe(true);
    expect(p.isServing(1, T0)).toBe(false);
    expect(p.draining(T0)).toBe(false);
    p.noteRenewal(shardRequest(), "l0", T0);
    expect(p.leaseIdOf(0)).toBe("l0");
    expect(p.leaseIdOf(1)).toBeUndefined();
    // An index that never reported has nothing to forget.
    p.forgetLease(1);
    p.forgetLease(0);
    expect(p.leaseIdOf(0)).toBeUndefined();
  });

  it("splits by the demand of the shards it serves that reported within REPORT_STALE_MS, a bad number counting as none", () => {
    const p = plan();
    // K = 1: shard 0 is served, shard 1 is not.
    p.noteRenewal(shardRequest({ index: 0, demandRps: 30 }), "l0", T0);
    p.noteRenewal(shardRequest({ index: 1, demandRps: 50 }), "l1", T0);
    expect(p.liveDemand(T0 + REPORT_STALE_MS, 4)).toEqual({ totalDemandRps: 30, liveShards: 1, reserveSlots: 1 });
    expect(p.liveDemand(T0 + REPORT_STALE_MS + 1, 4).totalDemandRps).toBe(0);
    for (const demandRps of [-5, Number.POSITIVE_INFINITY, Number.NaN]) {
      p.noteRenewal(shardRequest({ index: 0, demandRps }), "l0", T0);
      expect(p.liveDemand(T0, 4).totalDemandRps).toBe(0);
    }
  });

  it("measures the calls of the shards it serves that reported within REPORT_STALE_MS", () => {
    const callsAt = (reportedAt: number, index = 0): number => {
      const p = plan();
      p.noteRenewal(shardRequest({ index, callsPerSec: 20 }), "l", reportedAt);
      p.tick(T0 + TICK_MS);
      return p.state(T0 + TICK_MS, noLease).callsPerSec;
    };
    expect(callsAt(T0 + TICK_MS - REPORT_STALE_MS)).toBe(20);
    expect(callsAt(T0 + TICK_MS - REPORT_STALE_MS - 1)).toBe(0);
    expect(callsAt(T0, 1)).toBe(0);
  });

  it("keeps draining the shards K dropped through later ticks, drops their health, and ends the drain if K grows back", () => {
    const p = plan();
    const up = serve(p, 150, 3);
    expect(p.k).toBe(4);
    p.recordProbe(new Map([[0, false], [1, false], [3, false]]), up);
    const down = serveUntilKChanges(p, 0, up);
    expect(p.k).toBe(1);
    // Shards 1 and 3 left the map: their health with them.
    expect(p.map().unhealthy).toEqual(["t#0"]);
    expect(p.tick(down + TICK_MS)).toBe(false);
    for (const index of [1, 2, 3]) expect(p.isServing(index, down + TICK_MS)).toBe(true);
    expect(p.isServing(4, down + TICK_MS)).toBe(false);
    expect(p.draining(down + DRAIN_MS - 1)).toBe(true);
    expect(p.draining(down + DRAIN_MS)).toBe(false);
    expect(p.isServing(1, down + DRAIN_MS)).toBe(false);

    const back = serveUntilKChanges(p, 1000, down + TICK_MS);
    expect(back).toBeLessThan(down + DRAIN_MS);
    expect(p.k).toBeGreaterThanOrEqual(4);
    expect(p.draining(back)).toBe(false);
  });

  it("lets every shard have a slot: K never passes the tenant's concurrency", () => {
    expect(maxShardsFor(100, 64)).toBe(64);
    expect(maxShardsFor(10, 64)).toBe(8);
    expect(maxShardsFor(1, 64)).toBe(1);
  });

  it("counts as scaling demand only the calls more shards would take off the root", () => {
    const p = plan();
    for (let i = 0; i < 10; i++) p.noteCall("acquire");
    for (let i = 0; i < 5; i++) p.noteCall("other");
    // A shard's renewals grow with K, and a forwarded acquire was counted by its shard already.
    for (let i = 0; i < 100; i++) p.noteCall("shard-renewal");
    for (let i = 0; i < 100; i++) p.noteCall("forwarded");
    p.tick(T0 + TICK_MS);
    expect(p.state(T0 + TICK_MS, noLease).callsPerSec).toBe(15);
    // The root serves the forwarded acquires itself: they are its share of the demand for budget.
    expect(p.liveDemand(T0 + TICK_MS, 1).totalDemandRps).toBe(110);
  });

  it("grows K only as far as the root's current limit gives every shard two slots", () => {
    const p = plan(10);
    let now = T0;
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 1000; i++) p.noteCall("acquire");
      now += TICK_MS;
      p.tick(now, false, () => undefined, 20);
    }
    // 20 slots split into 10 shards of 2: the power of two under it is 8.
    expect(p.k).toBe(8);
    // The limit rose: K grows again (once the forecast has been over 70 % for SCALE_UP_AFTER_MS).
    for (let s = 0; s < 4; s++) {
      for (let i = 0; i < 1000; i++) p.noteCall("acquire");
      now += TICK_MS;
      p.tick(now, false, () => undefined, 200);
    }
    expect(p.k).toBe(64);
  });

  it("scales on the busiest shard as if every shard were as busy: a balancer's skew does not leave one over the target", () => {
    const p = plan(50);
    let now = serve(p, 80, 4);
    expect(p.k).toBe(4);
    const report = (even: boolean) => {
      // 80 calls a second across 4 shards: 20 each, or one at 40 and three at about 13.
      for (let index = 0; index < 4; index++) p.noteRenewal(shardRequest({ index, callsPerSec: even ? 20 : index === 0 ? 40 : 40 / 3 }), undefined, now);
    };
    const evenPlan = plan(50);
    let evenNow = serve(evenPlan, 80, 4);
    for (let s = 0; s < 5; s++) {
      report(false);
      now += TICK_MS;
      p.tick(now);
      for (let index = 0; index < 4; index++) evenPlan.noteRenewal(shardRequest({ index, callsPerSec: 20 }), undefined, evenNow);
      evenNow += TICK_MS;
      evenPlan.tick(evenNow);
    }
    // Even: 80 calls stay under 70 % of 4 x 50. Skewed: the busiest at 40 counts as 4 x 40 = 160 > 140.
    expect(evenPlan.k).toBe(4);
    expect(p.k).toBe(8);
    expect(p.state(now, noLease).callsPerSec).toBeCloseTo(80, 0);
    expect(p.state(now, noLease).busiestShardCallsPerSec).toBe(40);
  });

  it("reads K x the busiest shard only from reports made under the K in force: reports from before a doubling count by their sum", () => {
    const p = new ShardPlan({ tenant: "t", targetRps: 50, maxShards: 64, scaleUpAfterMs: 0 }, T0);
    let now = serve(p, 80, 4);
    expect(p.k).toBe(4);
    // Each of 4 shards reported 40 calls a second under K = 4 (160 in all, over 70 % of 4 x 50): K doubles once.
    const reportAll = (k: number, callsPerSec: number) => {
      for (let index = 0; index < k; index++) p.noteRenewal(shardRequest({ index, callsPerSec }), undefined, now);
    };
    for (let s = 0; s < 4 && p.k === 4; s++) {
      reportAll(4, 40);
      now += TICK_MS;
      p.tick(now);
    }
    expect(p.k).toBe(8);
    // Those four reports are still fresh, but 8 x 40 = 320 would double again: only their sum (160) counts.
    for (let s = 0; s < 2; s++) {
      now += TICK_MS / 2;
      p.tick(now, true);
    }
    expect(p.k).toBe(8);
  });

  it("does not double K on the renewals and forwarded acquires of its own shards", () => {
    const p = plan(10);
    let now = T0;
    // 6 Worker calls a second stay under 70 % of 1 x 10; the shards' renewals and forwards alone would pass it many times.
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 6; i++) p.noteCall("acquire");
      for (let i = 0; i < 50; i++) p.noteCall("shard-renewal");
      for (let i = 0; i < 50; i++) p.noteCall("forwarded");
      now += TICK_MS;
      p.tick(now);
    }
    expect(p.k).toBe(1);
  });
});

describe("ShardPlan weights", () => {
  it("publishes each shard's slot share as its weight, with a new version only when one moved by half or more", () => {
    const p = plan();
    let now = serve(p, 400, 3);
    const k = p.k;
    const slots = new Map([["l0", 12], ["l1", 4]]);
    const asked: Array<string | undefined> = [];
    const slotsOf = (id: string): number | undefined => {
      asked.push(id);
      return slots.get(id);
    };
    p.noteRenewal(shardRequest({ index: 0, demandRps: 300 }), "l0", now);
    p.noteRenewal(shardRequest({ index: 1 }), "l1", now);
    p.noteRenewal(shardRequest({ index: 2, demandRps: 100 }), undefined, now);
    const version = p.version;
    const tickAt = (at: number): boolean => {
      for (let i = 0; i < 400; i++) p.noteCall("other");
      return p.tick(at, false, slotsOf);
    };
    now += TICK_MS;
    expect(tickAt(now)).toBe(true);
    // Only leases are looked up: shard 2 holds none, so it weighs 1.
    expect(asked).toEqual(["l0", "l1"]);
    expect(p.map().shards.slice(0, 3).map((s) => s.weight)).toEqual([12, 4, 1]);
    expect(p.version).toBe(version + 1);
    slots.set("l0", 13);
    now += TICK_MS;
    expect(tickAt(now)).toBe(false);
    expect(p.version).toBe(version + 1);
    // Half of 12 is a move of half.
    slots.set("l0", 6);
    now += TICK_MS;
    expect(tickAt(now)).toBe(true);
    expect(p.map().shards[0]?.weight).toBe(6);
    expect(p.version).toBe(version + 2);
    expect(p.k).toBe(k);
  });
});

describe("ShardPlan state", () => {
  it("shows no shard while K = 1 and none holds anything", () => {
    expect(plan().state(T0, noLease)).toEqual({ k: 1, mapVersion: 1, callsPerSec: 0, busiestShardCallsPerSec: 0, forecastPerSec: 0, targetRps: 100, shards: [], leased: { tokens: 0, slots: 0 }, lastProbeAt: null });
  });

  it("lists every shard in the map and every one past K still holding a lease, by index, with what it holds and reported", () => {
    // K doubles at the first tick over 70 % here: what is listed is the point, not when K moved.
    const p = new ShardPlan({ tenant: "t", targetRps: 1, maxShards: 64, scaleUpAfterMs: 0 }, T0);
    const now = T0 + 3 * TICK_MS;
    const leases = new Map([["l0", { tokens: 40, slots: 6 }], ["l4", { tokens: 2, slots: 1 }], ["l5", { tokens: 3, slots: 2 }]]);
    p.noteRenewal(shardRequest({ index: 5, demandRps: 4, walletTokens: 1 }), "l5", T0);
    p.noteRenewal(shardRequest({ index: 0, demandRps: 30, walletTokens: 5 }), "l0", now);
    p.noteRenewal(shardRequest({ index: 1, demandRps: 10, walletTokens: 9 }), undefined, now - REPORT_STALE_MS);
    p.noteRenewal(shardRequest({ index: 3, demandRps: 7 }), undefined, now - REPORT_STALE_MS - 1);
    p.noteRenewal(shardRequest({ index: 4, demandRps: 2 }), "l4", now);
    p.noteRenewal(shardRequest({ index: 6 }), "gone", now);
    p.noteRenewal(shardRequest({ index: 7 }), undefined, now);
    // 7 calls in 3 s: 2.3 a second, K = 4 for a target of 1.
    for (let i = 0; i < 7; i++) p.noteCall("other");
    p.tick(now);
    p.recordProbe(new Map([[2, false]]), now);
    const shard = (index: number, held: { tokens: number; slots: number }, demandRps: number, more: { healthy?: boolean; retiring?: boolean } = {}) => ({
      id: `t#${index}`,
      ...held,
      demandRps,
      healthy: more.healthy ?? true,
      retiring: more.retiring ?? false,
    });
    expect(p.state(now, (id) => leases.get(id))).toEqual({
      k: 4,
      mapVersion: 3,
      callsPerSec: 2.3,
      busiestShardCallsPerSec: 0,
      forecastPerSec: 2.3,
      targetRps: 1,
      shards: [
        // The lease's tokens and what the shard's wallet still held.
        shard(0, { tokens: 45, slots: 6 }, 30),
        shard(1, { tokens: 0, slots: 0 }, 10),
        shard(2, { tokens: 0, slots: 0 }, 0, { healthy: false }),
        shard(3, { tokens: 0, slots: 0 }, 0),
        shard(4, { tokens: 2, slots: 1 }, 2, { retiring: true }),
        shard(5, { tokens: 4, slots: 2 }, 4, { retiring: true }),
      ],
      leased: { tokens: 51, slots: 9 },
      lastProbeAt: now,
    });
    p.forgetLease(4);
    expect(p.state(now, (id) => leases.get(id)).shards.map((s) => s.id)).toEqual(["t#0", "t#1", "t#2", "t#3", "t#5"]);
  });
});
