import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { demandShare, sizeShardLease } from "../../../durable-objects/admission/shard-budget";
import { ShardPlan } from "../../../durable-objects/admission/shard-plan";
import { ShardServing } from "../../../durable-objects/admission/shard-serving";
import type { ShardLeaseGrant } from "../../../durable-objects/contracts/shards";
import { T0, testQuota, rng } from "./support";

/**
 * The root's split of its budget between shards (shard-budget.ts) and the shards' side of it
 * (shard-serving.ts): whatever the demand, the renewal round trip and the order of events, the
 * shards together never admit more than the root's one bucket let out (burst + rate x t), and
 * never run more requests at once than the tenant's concurrency limit.
 */

const budgetInput = fc.record({
  demandRps: fc.double({ min: 0, max: 5000, noNaN: true }),
  others: fc.double({ min: 0, max: 5000, noNaN: true }),
  liveShards: fc.integer({ min: 1, max: 64 }),
  walletTokens: fc.integer({ min: 0, max: 500 }),
  freeTokens: fc.double({ min: 0, max: 10_000, noNaN: true }),
  limit: fc.integer({ min: 1, max: 200 }),
  freeSlots: fc.integer({ min: -20, max: 200 }),
  mustCover: fc.integer({ min: 0, max: 50 }),
  otherShardSlots: fc.integer({ min: 0, max: 250 }),
});

describe("sizeShardLease", () => {
  it("never gives more tokens than the root holds or the shard's share of them, and always covers the slots in use", () => {
    fc.assert(
      fc.property(budgetInput, (input) => {
        const totalDemandRps = input.demandRps + input.others;
        const budget = sizeShardLease({ ...input, totalDemandRps });
        const share = totalDemandRps > 0 ? input.demandRps / totalDemandRps : 1 / input.liveShards;
        expect(budget.tokens).toBeGreaterThanOrEqual(0);
        expect(budget.tokens).toBeLessThanOrEqual(Math.floor(input.freeTokens * share) + 1e-9);
        expect(budget.slots).toBeGreaterThanOrEqual(input.mustCover);
        // Beyond what it must cover, a lease only takes free slots.
        expect(budget.slots).toBeLessThanOrEqual(Math.max(input.mustCover, input.freeSlots));
        expect(budget.targetSlots).toBeLessThanOrEqual(budget.slots);
        if (input.demandRps === 0) expect(budget.tokens).toBe(0);
        // Its own slot beside the others' only while the limit has room for one more; told to
        // hold none (a share under one slot, no room), it gets no tokens either.
        if (budget.targetSlots > Math.floor(input.limit * share)) expect(input.otherShardSlots + 1).toBeLessThanOrEqual(input.limit);
        if (Math.floor(input.limit * share) === 0 && input.otherShardSlots + 1 > input.limit) {
          expect(budget.targetSlots).toBe(0);
          expect(budget.tokens).toBe(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("tops a busy shard's wallet up to its next half second of demand, and splits a scarce bucket by demand", () => {
    expect(sizeShardLease({ demandRps: 100, totalDemandRps: 100, liveShards: 2, walletTokens: 10, freeTokens: 1000, limit: 40, freeSlots: 40, mustCover: 0 })).toEqual({ tokens: 40, slots: 40, targetSlots: 40 });
    const scarce = { totalDemandRps: 400, liveShards: 2, walletTokens: 0, freeTokens: 100, limit: 40, freeSlots: 40, mustCover: 0 };
    expect(sizeShardLease({ ...scarce, demandRps: 300 }).tokens).toBe(75);
    expect(sizeShardLease({ ...scarce, demandRps: 100 }).tokens).toBe(25);
    expect(sizeShardLease({ ...scarce, demandRps: 100 }).targetSlots).toBe(10);
  });

  it("prices the wallet's top-up in tokens per request, never below one token a request", () => {
    const busy = { demandRps: 100, totalDemandRps: 100, liveShards: 1, walletTokens: 0, freeTokens: 1000, limit: 40, freeSlots: 40, mustCover: 0 };
    // 50 requests' worth at 3 tokens each; a shard just started still gets its 4 requests' worth.
    expect(sizeShardLease({ ...busy, costPerRequest: 3 }).tokens).toBe(150);
    expect(sizeShardLease({ ...busy, demandRps: 2, totalDemandRps: 2, costPerRequest: 3 }).tokens).toBe(12);
    expect(sizeShardLease({ ...busy, costPerRequest: 0.5 }).tokens).toBe(50);
  });

  it("gives a share under one slot the floor of one only while the limit has room beside the other shards' slots", () => {
    const thin = { demandRps: 10, totalDemandRps: 640, liveShards: 64, walletTokens: 0, freeTokens: 1000, limit: 16, freeSlots: 16, mustCover: 0 };
    expect(sizeShardLease({ ...thin, otherShardSlots: 15 })).toMatchObject({ slots: 1, targetSlots: 1 });
    expect(sizeShardLease({ ...thin, otherShardSlots: 16 })).toEqual({ tokens: 0, slots: 0, targetSlots: 0 });
    // Still running two: it keeps those slots until they end, and is told to drop to none.
    expect(sizeShardLease({ ...thin, otherShardSlots: 16, mustCover: 2 })).toEqual({ tokens: 0, slots: 2, targetSlots: 0 });
  });

  it("gives a shard that reports no demand no tokens, and only the slots it still fills", () => {
    const quiet = { demandRps: 0, totalDemandRps: 100, liveShards: 2, walletTokens: 0, freeTokens: 1000, limit: 40, freeSlots: 40 };
    expect(sizeShardLease({ ...quiet, mustCover: 3.7 })).toEqual({ tokens: 0, slots: 3, targetSlots: 0 });
    expect(sizeShardLease({ ...quiet, mustCover: -2 })).toEqual({ tokens: 0, slots: 0, targetSlots: 0 });
  });
});

describe("demandShare", () => {
  it("is the shard's part of the reported demand, and an even split of the whole shards while nobody reports any", () => {
    expect(demandShare(30, 120, 4)).toBe(0.25);
    expect(demandShare(0, 0, 4)).toBe(0.25);
    expect(demandShare(0, 0, 2.7)).toBe(0.5);
    expect(demandShare(0, 0, 0)).toBe(1);
    expect(demandShare(0, 0, Number.NaN)).toBe(1);
  });
});

const flood = fc.record({
  shards: fc.integer({ min: 1, max: 8 }),
  overload: fc.integer({ min: 1, max: 5 }),
  serviceMs: fc.integer({ min: 1, max: 120 }),
  renewalRttMs: fc.constantFrom(0, 5, 40),
  seed: fc.integer(),
});


describe("shards leasing from one root under a flood", () => {
  it("admit at most burst + rate x t together, and never run more than the tenant's limit", async () => {
    await fc.assert(
      fc.asyncProperty(flood, async ({ shards: k, overload, serviceMs, renewalRttMs, seed }) => {
        const random = rng(seed);
        const rate = 200;
        const burst = 100;
        const limit = 24;
        const quota = testQuota({ rateLimit: { requests: rate, windowMs: 1000, burst }, maxConcurrency: limit, minConcurrency: limit, queueSize: 0 });
        let now = T0;
        const timers: { at: number; fn: () => void }[] = [];
        const later = (fn: () => void, ms: number) => void timers.push({ at: now + ms, fn });
        const root = new AdmissionCore({ quota, now, random });
        const plan = new ShardPlan({ tenant: "t", targetRps: 1, maxShards: 8 }, now);
        const renew = (req: Parameters<AdmissionCore["renewShardLease"]>[0]) =>
          new Promise<ShardLeaseGrant>((resolve) =>
            later(() => {
              const answer = root.renewShardLease(req, { ...plan.liveDemand(now, root.limit), liveShards: k, retired: false }, now);
              plan.noteRenewal(req, answer.lease?.id, now);
              const grant: ShardLeaseGrant = { ...answer, quota, rateLimit: root.rateLimit(now), shardMap: plan.map(), retired: false };
              later(() => resolve(grant), renewalRttMs / 2);
            }, renewalRttMs / 2),
          );
        const shards = Array.from(
          { length: k },
          (_, index) => new ShardServing({ index, root: "t", renew, later, clock: () => now, buildCore: (q, at) => new AdmissionCore({ quota: q, now: at, funded: true, random }) }),
        );
        const running: { shard: number; ticket: string; endsAt: number }[] = [];
        let admitted = 0;
        const durationMs = 3000;
        const settle = async () => {
          for (let i = 0; i < 5; i++) await Promise.resolve();
        };
        for (let t = 0; t <= durationMs; t++) {
          now = T0 + t;
          for (const timer of timers.filter((x) => x.at <= now)) {
            timers.splice(timers.indexOf(timer), 1);
            timer.fn();
          }
          await settle();
          for (const r of running.filter((x) => x.endsAt <= now)) {
            running.splice(running.indexOf(r), 1);
            shards[r.shard]?.admission?.release(r.ticket, { latencyMs: serviceMs, outcome: "success" }, now);
            shards[r.shard]?.noteRelease({ latencyMs: serviceMs, outcome: "success" });
          }
          if (t % 100 === 0) root.expire(now);
          const arrivals = Math.floor((rate * overload) / 1000 + random());
          for (let a = 0; a < arrivals; a++) {
            const index = Math.floor(random() * k);
            const shard = shards[index];
            if (!shard) continue;
            const req = { priority: "normal" as const, cost: 1, deadline: now + 5000, route: "GET /v1/tasks" };
            // The controller's own path: a not_serving answer would go on to the root, which this model leaves out.
            void shard.acquire(req, now).then((answer) => {
              if (answer.kind === "not_serving") return;
              const { outcome } = answer;
              if (outcome.kind === "granted") {
                admitted++;
                running.push({ shard: index, ticket: outcome.result.ticket, endsAt: now + serviceMs * (0.5 + random()) });
              }
            });
          }
          await settle();
          expect(admitted).toBeLessThanOrEqual(burst + (rate * t) / 1000 + 1e-6);
          expect(running.length).toBeLessThanOrEqual(limit);
        }
        // The shards did admit: leasing is not starving them.
        expect(admitted).toBeGreaterThan(0);
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});
