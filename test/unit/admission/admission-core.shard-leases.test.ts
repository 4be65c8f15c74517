import { describe, expect, it } from "vitest";
import { AdmissionCore, type AcquireOutcome } from "../../../durable-objects/admission/admission-core";
import { SHARD_LEASE_TTL_MS } from "../../../durable-objects/admission/shard-budget";
import { request, shardRequest, T0, testQuota } from "./support";

/** A root with 1000 tokens (no refill within a test's instant) and a fixed limit of 40 slots. */
function root(): AdmissionCore {
  let n = 0;
  const quota = testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 1000 }, minConcurrency: 40, maxConcurrency: 40, limitAlgorithm: "aimd" });
  return new AdmissionCore({ quota, now: T0, newTicket: () => `s${++n}` });
}

/** Half of a two-shard tenant's demand, nothing held back for the root. */
const HALF = { totalDemandRps: 200, liveShards: 2, retired: false, reserveSlots: 0 };

function grantedTicket(outcome: AcquireOutcome): string {
  if (outcome.kind !== "granted") throw new Error(`expected a grant, got ${outcome.kind}`);
  return outcome.result.ticket;
}

describe("AdmissionCore.renewShardLease", () => {
  it("moves half a second of the shard's demand into its wallet and reserves its share of the limit", () => {
    const c = root();
    const v = c.durableVersion;
    const answer = c.renewShardLease(shardRequest(), HALF, T0);
    // wanted = 100 rps x 0.5 s = 50 tokens; slots = half of 40.
    expect(answer).toEqual({ lease: { id: "s1", tokens: 50, slots: 20, expiresAt: T0 + SHARD_LEASE_TTL_MS, ttlMs: SHARD_LEASE_TTL_MS }, targetSlots: 20, loadLevel: "normal" });
    expect(c.tokens(T0)).toBe(950);
    expect(c.inflight).toBe(20);
    // Reserved, not running: what the root reports to the governor leaves it out.
    expect(c.slotsLeasedToShards).toBe(20);
    expect(c.shardLease("s1")).toEqual({ tokens: 50, slots: 20 });
    expect(c.nextLeaseExpiry()).toBe(T0 + SHARD_LEASE_TTL_MS);
    expect(c.durableVersion).toBe(v + 1);
  });

  it("with more shards than the limit has slots, tells the shards past it to drop theirs, so the tenant gets back under its limit", () => {
    const c = root();
    const many = { totalDemandRps: 6400, liveShards: 64, retired: false, reserveSlots: 0 };
    // 64 shards each still running a request (the limit fell under K): each slot stays covered...
    const first = Array.from({ length: 64 }, (_, index) => c.renewShardLease(shardRequest({ index, heldSlots: 1 }), many, T0));
    expect(c.inflight).toBe(64);
    // ...but a share of 40/64 slots rounds to none, so only as many as fit keep the floor of one;
    // the others are told to go to none and get no tokens they could not spend.
    const told = first.map((a) => a.targetSlots);
    expect(told.filter((t) => t === 1)).toHaveLength(40);
    expect(told.filter((t) => t === 0)).toHaveLength(24);
    for (const a of first.filter((x) => x.targetSlots === 0)) expect(a.lease?.tokens).toBe(0);
    // A shard left with no slot and no tokens but still wanting some keeps an empty lease: it
    // answers not_serving at once (its requests go on to the root) rather than renewing before each.
    const empty = c.renewShardLease(shardRequest({ index: 70, heldSlots: 0 }), many, T0);
    expect(empty).toMatchObject({ targetSlots: 0, lease: { tokens: 0, slots: 0 } });
    // Their requests ended: at their next renewal they hold nothing, and the tenant is at its limit.
    first.forEach((a, index) => {
      if (a.targetSlots === 0) c.renewShardLease(shardRequest({ index, leaseId: a.lease?.id, heldSlots: 0 }), many, T0);
    });
    expect(c.inflight).toBe(40);
  });

  it("leaves the slots the root holds back out of what a shard may take", () => {
    const c = root();
    expect(c.renewShardLease(shardRequest(), { ...HALF, reserveSlots: 30 }, T0).lease).toMatchObject({ slots: 10 });
    // The root's own grants count as taken too: 40 - 10 (shard) - 25 (root) leaves 5.
    for (let i = 0; i < 25; i++) grantedTicket(c.acquire(request("normal", T0), T0));
    expect(c.renewShardLease(shardRequest({ index: 1 }), HALF, T0).lease).toMatchObject({ slots: 5 });
  });

  it("takes back what a known lease returns, up to one burst, and tops the wallet up to the demand", () => {
    const c = root();
    const first = c.renewShardLease(shardRequest(), HALF, T0).lease;
    const second = c.renewShardLease(shardRequest({ leaseId: first?.id, returnedTokens: 30, walletTokens: 10, heldSlots: 5 }), HALF, T0).lease;
    // 950 + 30 back, then the wallet's 10 topped up to 50: 40 leave.
    expect(second).toMatchObject({ tokens: 40, slots: 20 });
    expect(c.tokens(T0)).toBe(940);
    expect(c.shardLease(first?.id ?? "")).toBeUndefined();
    expect(c.inflight).toBe(20);
  });

  it("refunds nothing for a lease it does not know, nor an infinite or negative return", () => {
    const unknown = root();
    unknown.renewShardLease(shardRequest({ leaseId: "gone", returnedTokens: 30, demandRps: 0 }), HALF, T0);
    expect(unknown.tokens(T0)).toBe(1000);

    for (const returnedTokens of [Number.POSITIVE_INFINITY, -5]) {
      const c = root();
      const lease = c.renewShardLease(shardRequest(), HALF, T0).lease;
      c.renewShardLease(shardRequest({ leaseId: lease?.id, returnedTokens, walletTokens: 50 }), HALF, T0);
      expect(c.tokens(T0)).toBe(950);
    }
  });

  it("gives a retired shard a drain lease of the slots it still fills, no tokens and a target of zero", () => {
    const c = root();
    const lease = c.renewShardLease(shardRequest(), HALF, T0).lease;
    const retired = { ...HALF, retired: true };
    const drain = c.renewShardLease(shardRequest({ leaseId: lease?.id, heldSlots: 3.6, walletTokens: 50 }), retired, T0);
    expect(drain).toEqual({ lease: { id: "s2", tokens: 0, slots: 3, expiresAt: T0 + SHARD_LEASE_TTL_MS, ttlMs: SHARD_LEASE_TTL_MS }, targetSlots: 0, loadLevel: "normal" });
    expect(c.tokens(T0)).toBe(950);
    expect(c.inflight).toBe(3);
    expect(c.renewShardLease(shardRequest({ leaseId: "s2", heldSlots: 0 }), retired, T0)).toEqual({ lease: undefined, targetSlots: 0, loadLevel: "normal" });
    expect(c.inflight).toBe(0);
  });

  it("keeps an empty lease for a quiet shard that still holds tokens, so it can give them back, and none otherwise", () => {
    const c = root();
    const v = c.durableVersion;
    const holding = c.renewShardLease(shardRequest({ demandRps: 0, walletTokens: 5 }), HALF, T0);
    expect(holding.lease).toMatchObject({ tokens: 0, slots: 0 });
    // No token moved, so no budget to persist.
    expect(c.durableVersion).toBe(v);
    expect(c.renewShardLease(shardRequest({ demandRps: 0, walletTokens: 0 }), HALF, T0).lease).toBeUndefined();
    expect(c.renewShardLease(shardRequest({ demandRps: 0, walletTokens: Number.POSITIVE_INFINITY }), HALF, T0).lease).toBeUndefined();
    expect(c.tokens(T0)).toBe(1000);
  });

  it("keeps a lease for a shard that got tokens but no slot, or slots but no token", () => {
    const full = root();
    for (let i = 0; i < 40; i++) grantedTicket(full.acquire(request("normal", T0), T0));
    // Every slot taken by the root's own grants: 50 tokens move, on a lease of no slot.
    expect(full.renewShardLease(shardRequest(), HALF, T0).lease).toMatchObject({ tokens: 50, slots: 0 });
    expect(full.tokens(T0)).toBe(910);

    const dry = root();
    grantedTicket(dry.acquire(request("normal", T0, { cost: 1000 }), T0));
    // An empty bucket: no token moves, but the shard still gets its half of the slots.
    expect(dry.renewShardLease(shardRequest(), HALF, T0).lease).toMatchObject({ tokens: 0, slots: 20 });
    expect(dry.inflight).toBe(21);
  });

  it("grants the root's waiters from the slots a renewal gives back, retired or not", () => {
    for (const [peers, heldSlots, leased] of [
      // Retired with nothing running: the shard's 20 slots all come back.
      [{ ...HALF, retired: true }, 0, 0],
      // A quarter of the demand now: its share shrinks from 20 slots to 10.
      [{ ...HALF, totalDemandRps: 400 }, 0, 10],
    ] as const) {
      const c = root();
      const first = c.renewShardLease(shardRequest(), HALF, T0).lease;
      for (let i = 0; i < 20; i++) grantedTicket(c.acquire(request("normal", T0), T0));
      const waiter = c.acquire(request("normal", T0), T0);
      expect(waiter.kind).toBe("queued");
      c.renewShardLease(shardRequest({ leaseId: first?.id, heldSlots }), peers, T0);
      expect(c.queued).toBe(0);
      expect(c.inflight).toBe(21 + leased);
    }
  });

  it("feeds the shard's samples to the service time and the limiter, as drops when they failed", () => {
    const quota = testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 1000 }, minConcurrency: 1, maxConcurrency: 40, limitAlgorithm: "aimd" });
    const c = new AdmissionCore({ quota, now: T0 });
    const limit = c.limit;
    const v = c.durableVersion;
    c.renewShardLease(shardRequest({ demandRps: 0, samples: [{ latencyMs: 80, outcome: "success" }] }), HALF, T0 + 10);
    expect(c.state(T0 + 10).serviceTimeMs).toBe(80);
    expect(c.limit).toBe(limit);
    expect(c.durableVersion).toBe(v + 1);
    c.renewShardLease(shardRequest({ demandRps: 0, samples: [{ latencyMs: 80, outcome: "error" }] }), HALF, T0 + 20);
    expect(c.limit).toBeLessThan(limit);
  });

  it("does not count slots leased to shards as the root's own load", () => {
    const all = root();
    expect(all.renewShardLease(shardRequest(), { ...HALF, totalDemandRps: 100, reserveSlots: 4 }, T0).lease).toMatchObject({ slots: 36 });
    // 36 of 40 slots out, none used by the root itself: not busy.
    expect(all.state(T0).loadLevel).toBe("normal");

    const half = root();
    half.renewShardLease(shardRequest(), HALF, T0);
    for (let i = 0; i < 13; i++) grantedTicket(half.acquire(request("normal", T0), T0));
    // The root's own 13 of its remaining 20: 65 %.
    expect(half.state(T0).loadLevel).toBe("normal");
    for (let i = 0; i < 5; i++) grantedTicket(half.acquire(request("normal", T0), T0));
    // 18 of 20: 90 %.
    expect(half.state(T0).loadLevel).toBe("elevated");
  });

  it("reclaims a shard lease its shard stopped renewing, and names its expiry before a later one", () => {
    const c = root();
    const ticket = grantedTicket(c.acquire(request("normal", T0, { deadline: T0 + 60_000 }), T0));
    c.renewShardLease(shardRequest(), HALF, T0);
    expect(c.nextLeaseExpiry()).toBe(T0 + SHARD_LEASE_TTL_MS);
    expect(c.expire(T0 + SHARD_LEASE_TTL_MS - 1).reclaimedLeases).toBe(0);
    expect(c.expire(T0 + SHARD_LEASE_TTL_MS).reclaimedLeases).toBe(1);
    expect(c.inflight).toBe(1);
    expect(c.nextLeaseExpiry()).toBe(T0 + 60_000 + 1000);
    expect(c.release(ticket, { latencyMs: 5, outcome: "success" }, T0 + SHARD_LEASE_TTL_MS)).toBe(true);
  });
});
