import { describe, expect, it } from "vitest";
import type { ReleaseReport } from "../../../durable-objects/contracts/admission";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { request, T0, testQuota } from "./support";

/** 1000 tokens/s with a burst of 800, and a fixed limit of 80 slots (min = max). */
function core(): AdmissionCore {
  let n = 0;
  const quota = testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 800 }, minConcurrency: 80, maxConcurrency: 80, limitAlgorithm: "aimd" });
  return new AdmissionCore({ quota, now: T0, newTicket: () => `id-${++n}` });
}

function granted(c: AdmissionCore, leaseDemandRps?: number, cost = 1) {
  const outcome = c.acquire(request("normal", T0, leaseDemandRps === undefined ? { cost } : { leaseDemandRps, cost }), T0);
  if (outcome.kind !== "granted") throw new Error(`expected a grant, got ${outcome.kind}`);
  return outcome.result;
}

describe("AdmissionCore isolate leases", () => {
  it("leases an asking isolate a quarter-second of its demand, within 1/8 of what is free, and counts it as spent and in flight", () => {
    const c = core();
    const grant = granted(c, 40);
    // wanted 10; free tokens 799 / 8 = 99; free slots (80 - 1) / 8 = 9.
    expect(grant.isolateLease).toMatchObject({ id: "id-2", tokens: 10, slots: 9 });
    expect(c.state(T0)).toMatchObject({ inflight: 10, tokens: 789, leases: { active: 1, tokens: 10, slots: 9, renewals: 0 } });
    expect(c.nextLeaseExpiry()).toBe(grant.isolateLease?.expiresAt);
    expect(granted(c).isolateLease).toBeUndefined(); // no demand reported: no lease
  });

  it("prices the lease's tokens at the asking request's cost, and at least one token a request", () => {
    // wanted 10 requests at 3 tokens; free tokens 797 / 8 = 99.
    expect(granted(core(), 40, 3).isolateLease).toMatchObject({ tokens: 30, slots: 9 });
    // A free request still leases 10 requests' worth of tokens, not 0.
    expect(granted(core(), 40, 0).isolateLease).toMatchObject({ tokens: 10, slots: 9 });
  });

  it("a controller with a handful of slots (a shard's share) still leases one, as long as two are free", () => {
    const small = (slots: number) => {
      let n = 0;
      const quota = testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 800 }, minConcurrency: slots, maxConcurrency: slots, limitAlgorithm: "aimd" });
      return new AdmissionCore({ quota, now: T0, newTicket: () => `id-${++n}` });
    };
    // 4 slots, one taken by the asking request: 3 free, 1/8 of which rounds to 0.
    expect(granted(small(4), 40).isolateLease).toMatchObject({ tokens: 10, slots: 1 });
    expect(granted(small(2), 40).isolateLease).toBeUndefined(); // one free: the next request's
  });

  it("a renewal refunds the unused tokens and gives a new lease that covers the requests still running", () => {
    const c = core();
    const lease = granted(c, 40).isolateLease!;
    const renewal = c.renewIsolateLease(lease.id, { usedTokens: 4, inflight: 2, demandRps: 40 }, [], T0);
    expect(renewal.loadLevel).toBe("normal");
    // 795 after the refund of 6; free slots (80 - 1 - 2) / 8 = 9; then 10 tokens leave again.
    expect(renewal.lease).toMatchObject({ tokens: 10, slots: 9 });
    expect(c.state(T0)).toMatchObject({ tokens: 785, inflight: 10, leases: { active: 1, renewals: 1 } });
    expect(renewal.rateLimit.remaining).toBe(785);
  });

  it("takes back carried tokens only for a lease it still knows, and at most one burst", () => {
    const c = core();
    const lease = granted(c, 40).isolateLease!;
    c.renewIsolateLease(lease.id, { usedTokens: 10, inflight: 0, demandRps: 0, returnedTokens: 5000 }, [], T0);
    expect(c.state(T0).tokens).toBe(800);
    const unknown = core();
    granted(unknown);
    unknown.renewIsolateLease("id-404", { usedTokens: 0, inflight: 0, demandRps: 0, returnedTokens: 5 }, [], T0);
    expect(unknown.state(T0).tokens).toBe(799);
  });

  it("counts again the requests of a lease it already reclaimed, with a drain lease once the load is not normal", () => {
    const c = core();
    for (let i = 0; i < 72; i++) granted(c); // 90 % of the limit in use: elevated
    const renewal = c.renewIsolateLease("id-gone", { usedTokens: 0, inflight: 3.7, demandRps: 50 }, [], T0);
    expect(renewal.loadLevel).toBe("elevated");
    expect(renewal.lease).toMatchObject({ tokens: 0, slots: 3 });
    expect(c.state(T0).inflight).toBe(75);
    // Nothing running and not normal: no lease at all.
    expect(c.renewIsolateLease("id-gone-too", { usedTokens: 0, inflight: 0, demandRps: 50 }, [], T0).lease).toBeUndefined();
  });

  it("feeds the renewal's latency samples to the service time, and a failed one to the limiter as a drop", () => {
    const quota = testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 800 }, minConcurrency: 1, maxConcurrency: 80, limitAlgorithm: "aimd" });
    const c = new AdmissionCore({ quota, now: T0 });
    const lease = granted(c, 40).isolateLease!;
    const limitBefore = c.limit;
    c.renewIsolateLease(lease.id, { usedTokens: 1, inflight: 0, demandRps: 0 }, [{ latencyMs: 50, outcome: "success" }], T0 + 10);
    expect(c.state(T0 + 10).serviceTimeMs).toBe(50);
    expect(c.limit).toBe(limitBefore);
    for (let i = 0; i < 40; i++) c.renewIsolateLease("id-x", { usedTokens: 0, inflight: 0, demandRps: 0 }, [{ latencyMs: 70, outcome: "error" }] as ReleaseReport[], T0 + 20);
    expect(c.state(T0 + 20).serviceTimeMs).toBeGreaterThan(50);
    expect(c.limit).toBeLessThan(limitBefore);
  });
});
