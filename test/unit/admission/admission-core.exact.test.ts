import { describe, expect, it } from "vitest";
import { AdmissionCore, SATURATED_RETRY_AFTER_MS, type AdmissionHooks, type Lease } from "../../../durable-objects/admission/admission-core";
import { SaturationShedder } from "../../../durable-objects/admission/saturation-shedder";
import type { RequestPriority } from "../../../durable-objects/contracts/admission";
import { request, T0, testQuota, testCore as core, granted } from "./support";

/** Sheds every request that is not critical, as a saturated thread at level 1 would. */
class ShedAll extends SaturationShedder {
  override shouldShed(priority: RequestPriority): boolean {
    return priority !== "critical";
  }
}

describe("AdmissionCore, exactly", () => {
  it("refuses an invalid quota and an invalid request", () => {
    expect(() => core({ maxConcurrency: 0 })).toThrow(RangeError);
    expect(() => core().acquire(request("normal", T0, { cost: -1 }), T0)).toThrow("cost must be a finite number >= 0, got -1");
  });

  it("makes up a UUID ticket when no ticket maker is given", () => {
    const c = new AdmissionCore({ quota: testQuota(), now: T0 });
    expect(granted(c.acquire(request("normal", T0), T0)).ticket).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it("takes restored leases as they were: in flight, expiring when they did, releasable", () => {
    const lease: Lease = { ticket: "old", priority: "high", cost: 1, grantedAt: T0 - 100, expiresAt: T0 + 900, inflightAtGrant: 1 };
    const c = core({}, { restored: { leases: [lease] } });
    expect(c.inflight).toBe(1);
    expect(c.nextLeaseExpiry()).toBe(T0 + 900);
    expect(c.release("old", { latencyMs: 100, outcome: "success" }, T0)).toBe(true);
    expect(c.inflight).toBe(0);
  });

  it("starts a funded shard's bucket empty whatever was restored, and fills it only from its root", () => {
    const c = core({}, { funded: true, restored: { bucket: { tokens: 500, updatedAt: T0 } } });
    expect(c.tokens(T0 + 60_000)).toBe(0);
    expect(c.fund(5, T0 + 60_000)).toBe(5);
    expect(c.tokens(T0 + 120_000)).toBe(5);
  });

  it("bumps the durable version for every change of a budget, and only then", () => {
    const c = core({ maxConcurrency: 5 });
    const v0 = c.durableVersion;
    const free = granted(c.acquire(request("normal", T0, { cost: 0 }), T0));
    expect(c.durableVersion).toBe(v0);
    const paid = granted(c.acquire(request("normal", T0, { cost: 2 }), T0));
    expect(c.durableVersion).toBe(v0 + 1);
    c.release(free.ticket, { latencyMs: 10, outcome: "success" }, T0 + 10);
    expect(c.durableVersion).toBe(v0 + 2);
    c.expire(T0 + 100_000);
    expect(c.inflight).toBe(0);
    expect(c.durableVersion).toBeGreaterThan(v0 + 2);
    expect(paid.ticket).toBe("t2");
  });

  it("sheds what the saturation shedder picks before taking a token", () => {
    const c = core({}, { shedder: new ShedAll() });
    const outcome = c.acquire(request("normal", T0), T0);
    expect(outcome.kind === "rejected" && outcome.result).toMatchObject({ reason: "shed", detail: "saturated", retryAfterMs: SATURATED_RETRY_AFTER_MS });
    expect(c.tokens(T0)).toBe(1000);
    expect(c.acquire(request("critical", T0), T0).kind).toBe("granted");
  });

  it("answers waiters whose deadline passed before judging a new arrival", async () => {
    const c = core({ maxConcurrency: 1 });
    granted(c.acquire(request("normal", T0), T0));
    const late = c.acquire(request("normal", T0, { deadline: T0 + 100 }), T0);
    if (late.kind !== "queued") throw new Error("expected to be queued");
    const next = c.acquire(request("normal", T0 + 200), T0 + 200);
    expect(next.kind).toBe("queued");
    expect(c.queued).toBe(1);
    expect(await late.waiter.answer).toMatchObject({ granted: false, reason: "deadline", detail: "expired" });
  });

  it("numbers queued waiters upwards", () => {
    const c = core({ maxConcurrency: 1 });
    granted(c.acquire(request("normal", T0), T0));
    const seqs = [0, 1, 2].map(() => {
      const o = c.acquire(request("normal", T0), T0);
      return o.kind === "queued" ? o.waiter.seq : -1;
    });
    expect(seqs).toEqual([1, 2, 3]);
  });

  it("gives the tokens back when a request is refused after taking them", () => {
    const c = core({ maxConcurrency: 1, queueSize: 1 });
    granted(c.acquire(request("normal", T0), T0));
    expect(c.acquire(request("normal", T0), T0).kind).toBe("queued");
    const full = c.acquire(request("low", T0, { cost: 5 }), T0);
    expect(full.kind === "rejected" && full.result.reason).toBe("queue_full");
    expect(c.tokens(T0)).toBe(998);
  });

  it("extends a lease only by a positive duration, and tells only of a moved expiry", () => {
    const started: Lease[] = [];
    const hooks: AdmissionHooks = { leaseStarted: (lease) => started.push({ ...lease }) };
    const c = core({}, { hooks });
    const grant = granted(c.acquire(request("normal", T0, { deadline: T0 + 1000 }), T0));
    const expiresAt = T0 + grant.leaseMs;
    expect(() => c.extendLease(grant.ticket, 0, T0)).toThrow("extendLease needs a positive duration, got 0");
    expect(() => c.extendLease(grant.ticket, Number.NaN, T0)).toThrow(RangeError);
    expect(c.extendLease(grant.ticket, grant.leaseMs, T0)).toBe(grant.leaseMs);
    expect(started).toHaveLength(1);
    expect(c.extendLease(grant.ticket, grant.leaseMs + 1, T0)).toBe(grant.leaseMs + 1);
    expect(started.map((l) => l.expiresAt)).toEqual([expiresAt, expiresAt + 1]);
    expect(c.extendLease("unknown", 10, T0)).toBeNull();
  });

  it("extends a lease without hooks", () => {
    const c = core();
    const grant = granted(c.acquire(request("normal", T0), T0));
    expect(c.extendLease(grant.ticket, grant.leaseMs + 500, T0)).toBe(grant.leaseMs + 500);
  });

  it("backs the limit off for a failed release, not for a success", () => {
    const c = core({ limitAlgorithm: "aimd", minConcurrency: 1, maxConcurrency: 100 });
    const limit = c.limit;
    c.release(granted(c.acquire(request("normal", T0), T0)).ticket, { latencyMs: 10, outcome: "success" }, T0 + 10);
    const afterSuccess = c.limit;
    expect(afterSuccess).toBeGreaterThanOrEqual(limit);
    c.release(granted(c.acquire(request("normal", T0 + 10), T0 + 10)).ticket, { latencyMs: 10, outcome: "error" }, T0 + 20);
    const afterError = c.limit;
    expect(afterError).toBeLessThan(afterSuccess);
  });

  it("counts isolate leases it reclaims", () => {
    const c = core({ maxConcurrency: 80, minConcurrency: 80, rateLimit: { requests: 1000, windowMs: 1000, burst: 800 } });
    const grant = granted(c.acquire(request("normal", T0, { leaseDemandRps: 40 }), T0));
    expect(grant.isolateLease).toBeDefined();
    c.release(grant.ticket, { latencyMs: 10, outcome: "success" }, T0 + 10);
    expect(c.expire(T0 + 600_000).reclaimedLeases).toBe(1);
    expect(c.inflight).toBe(0);
  });

  it("never lets time run backwards: an earlier clock reads as the latest one seen", () => {
    const c = core();
    c.tokens(T0 + 5000);
    const outcome = c.acquire(request("normal", T0, { deadline: T0 + 3000 }), T0);
    expect(outcome.kind === "rejected" && outcome.result).toMatchObject({ reason: "deadline", detail: "expired" });
  });

  it("names the earliest expiry among its leases", () => {
    const c = core({ maxConcurrency: 3 });
    granted(c.acquire(request("normal", T0, { deadline: T0 + 5000 }), T0));
    granted(c.acquire(request("normal", T0, { deadline: T0 + 2000 }), T0));
    granted(c.acquire(request("normal", T0, { deadline: T0 + 9000 }), T0));
    expect(c.nextLeaseExpiry()).toBe(T0 + 2000 + 1000);
  });

  it("refuses an invalid new quota, bumps the durable version for a valid one, and refuses the waiters a smaller queue drops", async () => {
    const c = core({ maxConcurrency: 1, queueSize: 2 });
    granted(c.acquire(request("normal", T0), T0));
    c.acquire(request("normal", T0), T0);
    const dropped = c.acquire(request("low", T0), T0);
    if (dropped.kind !== "queued") throw new Error("expected to be queued");
    expect(() => c.configure(testQuota({ queueSize: -1 }), T0)).toThrow(RangeError);
    const v = c.durableVersion;
    c.configure(testQuota({ maxConcurrency: 1, queueSize: 1 }), T0);
    expect(c.durableVersion).toBeGreaterThan(v);
    expect(await dropped.waiter.answer).toMatchObject({ granted: false, reason: "queue_full", detail: "evicted" });
  });

  it("bumps the durable version when a fund is taken, not for an empty one", () => {
    const c = core({}, { funded: true });
    const v = c.durableVersion;
    expect(c.fund(0, T0)).toBe(0);
    expect(c.durableVersion).toBe(v);
    c.fund(3, T0);
    expect(c.durableVersion).toBe(v + 1);
  });

  it("describes itself in the state document: configured, RTTs only for gradient2, saturation and governor share", () => {
    const aimd = core({ limitAlgorithm: "aimd" });
    expect(aimd.state(T0)).toMatchObject({ configured: true, rtt: null, share: null, saturation: { shedLevel: 0 } });
    expect(Object.keys(aimd.state(T0).saturation ?? {}).sort()).toEqual(["lagMs", "passScale", "shedLevel", "targetMs"]);
    aimd.setGovernorCap(1, T0);
    expect(aimd.state(T0).share).toBe(1);
    const rtt = core({ limitAlgorithm: "gradient2" }).state(T0).rtt;
    expect(rtt).not.toBeNull();
    expect(Object.keys(rtt ?? {}).sort()).toEqual(["longMs", "minMs", "shortMs"]);
  });
});
