import { describe, expect, it } from "vitest";
import { AdmissionCore, type Lease } from "../../../durable-objects/admission/admission-core";
import { LEASE_TTL_MS } from "../../../durable-objects/admission/isolate-leases";
import { SHARD_LEASE_TTL_MS } from "../../../durable-objects/admission/shard-budget";
import { request, shardRequest, T0, testQuota, testCore as core, granted } from "./support";

const ok = { latencyMs: 10, outcome: "success" } as const;
const NO_DECISIONS = { admitted: 0, queued: 0, rate_limited: 0, queue_full: 0, shed: 0, deadline: 0 };

describe("AdmissionCore validates what crosses the RPC boundary", () => {
  it("refuses a quota whose only fault is one the budgets themselves would not notice", () => {
    expect(() => core({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    const c = core();
    expect(() => c.configure(testQuota({ timeoutMs: 0 }), T0)).toThrow(/timeoutMs/);
  });

  it("refuses a request without a usable deadline", () => {
    expect(() => core().acquire(request("normal", T0, { deadline: Number.NaN }), T0)).toThrow(/deadline/);
  });
});

describe("AdmissionCore counts its decisions", () => {
  it("starts every decision of every priority at zero and counts a rate-limited refusal as such", () => {
    const c = core({ rateLimit: { requests: 1, windowMs: 60_000, burst: 1 } });
    expect(c.state(T0).decisions).toEqual(NO_DECISIONS);
    granted(c.acquire(request("normal", T0), T0));
    expect(c.acquire(request("high", T0), T0).kind).toBe("rejected");
    expect(c.state(T0).decisions).toEqual({ ...NO_DECISIONS, admitted: 1, rate_limited: 1 });
    expect(c.stats(T0).decisions.high).toEqual({ ...NO_DECISIONS, rate_limited: 1 });
  });

  it("totals grants over every priority", () => {
    const c = core({ maxConcurrency: 5 });
    expect(c.admittedTotal).toBe(0);
    granted(c.acquire(request("low", T0), T0));
    granted(c.acquire(request("critical", T0), T0));
    expect(c.admittedTotal).toBe(2);
  });

  it("adds up the refusals isolates report with their acquires, a whole count >= 0 or none, whatever the decision", () => {
    const c = core({ rateLimit: { requests: 1, windowMs: 60_000, burst: 1 } });
    expect(c.refusedInIsolatesTotal).toBe(0);
    granted(c.acquire(request("normal", T0, { refusedLocallyByPriority: { low: 4, normal: 3 } }), T0));
    expect(c.acquire(request("normal", T0, { refusedLocallyByPriority: { high: 3 } }), T0).kind).toBe("rejected");
    for (const bad of [-2, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) c.acquire(request("normal", T0, { refusedLocallyByPriority: { low: bad } }), T0);
    expect(c.refusedInIsolatesTotal).toBe(10);
  });

  it("weighs a tenant 1 unless its quota says otherwise", () => {
    expect(core().weight).toBe(1);
    expect(core({ weight: 3 }).weight).toBe(3);
  });
});

describe("AdmissionCore tells its hooks about every lease", () => {
  it("records the concurrency each request ran under, itself included, and why its lease ended", () => {
    const started: Lease[] = [];
    const ended: string[] = [];
    const c = core({ maxConcurrency: 5 }, { hooks: { leaseStarted: (l) => started.push({ ...l }), leaseEnded: (l, why) => ended.push(`${l.ticket}:${why}`) } });
    const first = granted(c.acquire(request("normal", T0), T0));
    granted(c.acquire(request("normal", T0), T0));
    expect(started.map((l) => l.inflightAtGrant)).toEqual([1, 2]);
    c.release(first.ticket, ok, T0 + 5);
    expect(ended).toEqual(["t1:released"]);
  });
});

describe("AdmissionCore bumps its durable version exactly when a budget changes", () => {
  it("twice for a grant that also leases tokens to the asking isolate", () => {
    const c = core({ minConcurrency: 80, maxConcurrency: 80, limitAlgorithm: "aimd", rateLimit: { requests: 1000, windowMs: 1000, burst: 800 } });
    const v = c.durableVersion;
    expect(granted(c.acquire(request("normal", T0, { leaseDemandRps: 40 }), T0)).isolateLease).toBeDefined();
    expect(c.durableVersion).toBe(v + 2);
  });

  it("not for a free waiter refused at its deadline: nothing goes back to the bucket", () => {
    const c = core({ maxConcurrency: 1 });
    granted(c.acquire(request("normal", T0, { cost: 0 }), T0));
    expect(c.acquire(request("normal", T0, { cost: 0, deadline: T0 + 100 }), T0).kind).toBe("queued");
    const v = c.durableVersion;
    expect(c.expire(T0 + 100).expiredWaiters).toBe(1);
    expect(c.durableVersion).toBe(v);
  });

  it("once for a renewal's samples and not for a renewal without any", () => {
    const c = core();
    const v = c.durableVersion;
    c.renewIsolateLease("unknown", { usedTokens: 0, inflight: 0, demandRps: 0 }, [], T0);
    expect(c.durableVersion).toBe(v);
    c.renewIsolateLease("unknown", { usedTokens: 0, inflight: 0, demandRps: 0 }, [ok, ok], T0);
    expect(c.durableVersion).toBe(v + 1);
  });
});

describe("AdmissionCore counts an isolate's or a shard's running requests in the concurrency its samples ran under", () => {
  // AIMD grows (by 1 / limit) only on a sample taken with at least half the limit of 20 in flight.
  const grownBy = (renew: (c: AdmissionCore, running: number) => unknown, running: number): number => {
    const c = core({ minConcurrency: 1, maxConcurrency: 100, limitAlgorithm: "aimd" });
    renew(c, running);
    const snapshot = c.snapshot().limit;
    return snapshot.algorithm === "aimd" ? snapshot.limit - 20 : Number.NaN;
  };
  const isolate = (c: AdmissionCore, stillRunning: number) => c.renewIsolateLease("reclaimed", { usedTokens: 0, inflight: stillRunning, demandRps: 0 }, [ok], T0);
  const shard = (c: AdmissionCore, heldSlots: number) =>
    c.renewShardLease(shardRequest({ heldSlots, demandRps: 0, samples: [ok] }), { totalDemandRps: 0, liveShards: 1, retired: false, reserveSlots: 0 }, T0);

  it("so ten still running at the isolate make the sample count toward growth, nine do not", () => {
    expect(grownBy(isolate, 10)).toBeCloseTo(1 / 20, 12);
    expect(grownBy(isolate, 9)).toBe(0);
  });

  it("so ten slots a lapsed shard still fills make its sample count toward growth, nine do not", () => {
    expect(grownBy(shard, 10)).toBeCloseTo(1 / 20, 12);
    expect(grownBy(shard, 9)).toBe(0);
  });
});

describe("AdmissionCore moves tokens in and out of a funded bucket", () => {
  it("withdraws whole tokens up to what it holds, and bumps the version only when some left", () => {
    const c = core({}, { funded: true });
    c.fund(5, T0);
    const v = c.durableVersion;
    expect(c.withdrawTokens(3, T0)).toBe(3);
    expect(c.tokens(T0)).toBe(2);
    expect(c.durableVersion).toBe(v + 1);
    expect(c.withdrawTokens(10, T0)).toBe(2);
    expect(c.withdrawTokens(10, T0)).toBe(0);
    expect(c.durableVersion).toBe(v + 2);
  });
});

describe("AdmissionCore reports", () => {
  it("the rate-limit numbers at any time", () => {
    const c = core({ rateLimit: { requests: 10, windowMs: 1000, burst: 10 } });
    granted(c.acquire(request("normal", T0), T0));
    expect(c.rateLimit(T0)).toEqual({ quota: 10, windowSeconds: 1, remaining: 9, resetSeconds: 1 });
  });

  it("its stats: gauges, decisions by priority, service figures and isolate leases", () => {
    const c = core({ minConcurrency: 2, maxConcurrency: 2, limitAlgorithm: "aimd", rateLimit: { requests: 1, windowMs: 60_000, burst: 10 } });
    const first = granted(c.acquire(request("high", T0), T0));
    granted(c.acquire(request("normal", T0), T0));
    expect(c.acquire(request("low", T0), T0).kind).toBe("queued");
    c.release(first.ticket, ok, T0 + 200);
    // The release granted the waiter; a new one has waited 50 ms by T0 + 250.
    expect(c.acquire(request("normal", T0 + 200), T0 + 200).kind).toBe("queued");
    const stats = c.stats(T0 + 250);
    expect(stats).toMatchObject({
      at: T0 + 250,
      limit: 2,
      limitAlgorithm: "aimd",
      inflight: 2,
      queued: { critical: 0, high: 0, normal: 1, low: 0 },
      serviceTimeMs: 200,
      // Two slots of 200 ms each: 10 a second.
      serviceRatePerSec: 10,
      oldestWaitMs: 50,
      leases: { active: 0, tokens: 0, slots: 0 },
    });
    // Four requests took a token each; 250 ms refilled 250 / 60 000 of one.
    expect(stats.tokens).toBeCloseTo(6 + 250 / 60_000, 9);
    expect(stats.decisions.low).toEqual({ ...NO_DECISIONS, queued: 1, admitted: 1 });
    expect(stats.decisions.high).toEqual({ ...NO_DECISIONS, admitted: 1 });
    expect(stats.completionRatePerSec).toBeGreaterThanOrEqual(0);
  });

  it("a copy of its quota, route costs included", () => {
    const quota = testQuota({ routeCosts: { "POST /v1/tasks": 3 } });
    const c = new AdmissionCore({ quota, now: T0 });
    quota.routeCosts["POST /v1/tasks"] = 9;
    expect(c.currentQuota.routeCosts).toEqual({ "POST /v1/tasks": 3 });
  });

  it("the earliest expiry among request, isolate and shard leases", () => {
    const c = core({ minConcurrency: 80, maxConcurrency: 80, limitAlgorithm: "aimd", rateLimit: { requests: 1000, windowMs: 1000, burst: 800 } });
    granted(c.acquire(request("normal", T0, { deadline: T0 + 60_000, leaseDemandRps: 40 }), T0));
    c.renewShardLease(shardRequest({ demandRps: 10 }), { totalDemandRps: 10, liveShards: 1, retired: false, reserveSlots: 0 }, T0);
    // The isolate's lease (1 s) lapses before the shard's (2 s).
    expect(c.nextLeaseExpiry()).toBe(T0 + LEASE_TTL_MS);
    c.expire(T0 + LEASE_TTL_MS);
    expect(c.nextLeaseExpiry()).toBe(T0 + SHARD_LEASE_TTL_MS);
    // An isolate lease opened later lapses after the shard's.
    granted(c.acquire(request("normal", T0 + 1500, { leaseDemandRps: 40 }), T0 + 1500));
    expect(c.nextLeaseExpiry()).toBe(T0 + SHARD_LEASE_TTL_MS);
  });
});
