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
  it("counts what isolates decided alone in its decisions: admitted under a lease, refused by their throttle; not in what it granted itself", () => {
    const c = core();
    const lease = granted(c, 40).isolateLease!;
    expect(c.admittedTotal).toBe(1);
    c.renewIsolateLease(lease.id, { usedTokens: 5, inflight: 0, running: 0, demandRps: 40, admitted: { normal: 4, low: 1 } }, [], T0);
    c.acquire(request("high", T0, { refusedLocallyByPriority: { low: 5, normal: 1 } }), T0);
    const { decisions } = c.state(T0);
    expect(decisions).toMatchObject({ admitted: 7, shed: 6 });
    expect(c.state(T0).isolateDecisions).toEqual({ admitted: 5, shed: 6 });
    // What the governor reads as granted here stays the controller's own grants (the leased ones reach it as samples).
    expect(c.admittedTotal).toBe(2);
    // Malformed counts count as nothing.
    c.acquire(request("high", T0, { refusedLocallyByPriority: { low: -3, normal: 1.5, high: Number.NaN } }), T0);
    expect(c.state(T0).decisions).toMatchObject({ admitted: 8, shed: 6 });
  });

  it("leases an asking isolate a quarter-second of its demand, within 1/8 of the free tokens and a share of the free slots, and counts it as spent and in flight", () => {
    const c = core();
    const grant = granted(c, 40);
    // wanted 10; free tokens 799 / 8 = 99; free slots (80 - 1) × 3/4 = 59.
    expect(grant.isolateLease).toMatchObject({ id: "id-2", tokens: 10, slots: 10 });
    expect(c.state(T0)).toMatchObject({ inflight: 11, tokens: 789, leases: { active: 1, tokens: 10, slots: 10, renewals: 0 } });
    expect(c.nextLeaseExpiry()).toBe(grant.isolateLease?.expiresAt);
    expect(granted(c).isolateLease).toBeUndefined(); // no demand reported: no lease
    // A busier isolate beside it: wanted 100; tokens 788 / 8 = 98; slots (80 - 12 - 1) × 3/8 = 25.
    expect(granted(c, 400).isolateLease).toMatchObject({ tokens: 98, slots: 25 });
  });

  it("grants no isolate lease while the governor says the tenant is over-served, and leases again once it lifts that", () => {
    const c = core();
    c.setIsolateLeasesAllowed(false);
    expect(granted(c, 40).isolateLease).toBeUndefined();
    expect(c.state(T0).leases).toMatchObject({ active: 0, slots: 0 });
    c.setIsolateLeasesAllowed(true);
    expect(granted(c, 40).isolateLease).toMatchObject({ slots: 10 });
  });

  it("prices the lease's tokens at the asking request's cost, and at least one token a request", () => {
    // wanted 10 requests at 3 tokens; free tokens 797 / 8 = 99; slots: the demand's 10 of (80 - 1) × 3/4.
    expect(granted(core(), 40, 3).isolateLease).toMatchObject({ tokens: 30, slots: 10 });
    // A free request still leases 10 requests' worth of tokens, not 0.
    expect(granted(core(), 40, 0).isolateLease).toMatchObject({ tokens: 10, slots: 10 });
  });

  it("a controller with a handful of slots (a shard's share) still leases one, as long as two are free", () => {
    const small = (slots: number) => {
      let n = 0;
      const quota = testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 800 }, minConcurrency: slots, maxConcurrency: slots, limitAlgorithm: "aimd" });
      return new AdmissionCore({ quota, now: T0, newTicket: () => `id-${++n}` });
    };
    // 4 slots, one taken by the asking request: 3 free, three quarters of which round to 2.
    expect(granted(small(4), 40).isolateLease).toMatchObject({ tokens: 10, slots: 2 });
    expect(granted(small(2), 40).isolateLease).toBeUndefined(); // one free: the next request's
  });

  it("reads slots parked in an isolate's lease as budget, not load: only what its isolate reports running counts", () => {
    const c = core();
    const lease = granted(c, 400).isolateLease!; // (80 - 1) × 3/4 = 59 slots, nothing running under them yet
    expect(lease.slots).toBe(59);
    for (let i = 0; i < 13; i++) granted(c);
    // 73 of 80 slots held (91 %), 14 of them by requests that run: normal.
    expect(c.state(T0)).toMatchObject({ inflight: 73, loadLevel: "normal" });
    // The isolate reports every slot of its lease busy: the same 73 held slots now read as 91 % load.
    const renewal = c.renewIsolateLease(lease.id, { usedTokens: lease.tokens, inflight: lease.slots, running: lease.slots, demandRps: 400 }, [], T0);
    // The new lease is three quarters of the 66 slots free of others, 49; the 59 still running stay counted.
    expect(renewal.lease?.slots).toBe(49);
    expect(c.state(T0)).toMatchObject({ inflight: 73, loadLevel: "elevated" });
  });

  it("counts as at work the requests granted one by one and what isolates report running, not the slots their leases park", () => {
    const c = core();
    const lease = granted(c, 400).isolateLease!; // 59 slots, nothing running under them yet
    for (let i = 0; i < 13; i++) granted(c);
    expect(c.inflight).toBe(73);
    expect(c.slotsAtWork).toBe(14);
    c.renewIsolateLease(lease.id, { usedTokens: lease.tokens, inflight: 16, running: 16, demandRps: 400 }, [], T0);
    expect(c.slotsAtWork).toBe(30);
  });

  it("counts as running at most what a renewal says still runs, and all of it from an isolate that does not say", () => {
    const loadAfterRenewal = (usage: { inflight: number; running?: number }) => {
      const c = core();
      const lease = granted(c, 400).isolateLease!; // 59 slots
      for (let i = 0; i < 13; i++) granted(c);
      c.renewIsolateLease(lease.id, { usedTokens: lease.tokens, demandRps: 400, ...usage }, [], T0);
      return c.state(T0).loadLevel;
    };
    expect(loadAfterRenewal({ inflight: 59, running: 59 })).toBe("elevated");
    // An isolate that reports no running count (an older Worker): what it keeps is taken as running.
    expect(loadAfterRenewal({ inflight: 59 })).toBe("elevated");
    // More running than in flight is not believed: in flight bounds it.
    expect(loadAfterRenewal({ inflight: 2, running: 59 })).toBe("normal");
  });

  it("a renewal refunds the unused tokens and gives a new lease that covers the requests still running", () => {
    const c = core();
    const lease = granted(c, 40).isolateLease!;
    const renewal = c.renewIsolateLease(lease.id, { usedTokens: 4, inflight: 2, demandRps: 40 }, [], T0);
    expect(renewal.loadLevel).toBe("normal");
    // 795 after the refund of 6; free slots (80 - 1) × 3/4 = 59, the demand's 10; then 10 tokens leave again.
    expect(renewal.lease).toMatchObject({ tokens: 10, slots: 10 });
    expect(c.state(T0)).toMatchObject({ tokens: 785, inflight: 11, leases: { active: 1, renewals: 1 } });
    expect(renewal.rateLimit.remaining).toBe(785);
  });

  it("sizes a lone isolate's renewed lease on every slot the others leave: its running requests count inside the lease, not against it", () => {
    const c = core();
    const lease = granted(c, 400).isolateLease!;
    expect(lease.slots).toBe(59);
    // 30 still run under it; the asking request holds one slot: (80 - 1) × 3/4 = 59, not (80 - 1 - 30) × 3/4 = 36.
    const renewal = c.renewIsolateLease(lease.id, { usedTokens: 40, inflight: 30, running: 30, demandRps: 400 }, [], T0);
    expect(renewal.lease?.slots).toBe(59);
    expect(c.state(T0).inflight).toBe(60);
  });

  it("reads the concurrency an isolate wanted (running or waiting for room under its lease) as in use: with few running, the limit grows only when more wanted a slot", () => {
    const limitAfter = (wanted: number | undefined) => {
      const quota = testQuota({ rateLimit: { requests: 100_000, windowMs: 1000, burst: 100_000 }, minConcurrency: 1, maxConcurrency: 200, limitAlgorithm: "gradient2" });
      const c = new AdmissionCore({ quota, now: T0 });
      let lease = granted(c, 4000).isolateLease!;
      const before = c.limit;
      const samples: ReleaseReport[] = Array.from({ length: 20 }, () => ({ latencyMs: 5, outcome: "success" }));
      for (let round = 0; round < 10; round++) {
        // Two of its requests still run at each renewal, far under half the limit.
        const usage = { usedTokens: lease.tokens, inflight: 2, running: 2, demandRps: 4000, ...(wanted === undefined ? {} : { wanted }) };
        lease = c.renewIsolateLease(lease.id, usage, samples, T0 + round).lease!;
      }
      return { before, after: c.limit };
    };
    // What runs is under half the limit: alone, it reads as an app-limited tenant.
    const idle = limitAfter(undefined);
    expect(idle.after).toBe(idle.before);
    // Its isolate had twice the limit wanting a slot: the limit grows on the same latencies.
    const busy = limitAfter(2 * idle.before);
    expect(busy.after).toBeGreaterThan(busy.before);
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

describe("AdmissionCore learning from an isolate's report", () => {
  it("reads a report's latency samples as one moment: a stall that slowed all 64 cuts the limit one step, not to a tenth", () => {
    const quota = testQuota({ minConcurrency: 1, maxConcurrency: 100, limitAlgorithm: "gradient2" });
    const c = new AdmissionCore({ quota, now: T0 });
    const report = (latencyMs: number) => Array.from({ length: 64 }, (): ReleaseReport => ({ latencyMs, outcome: "success" }));
    // 20 running and more waiting for room: saturated, so the samples may move the limit.
    const usage = { usedTokens: 0, inflight: 20, running: 20, wanted: 100, demandRps: 0 };
    let lease = c.renewIsolateLease("reclaimed", usage, report(5), T0).lease!;
    const before = c.limit;
    lease = c.renewIsolateLease(lease.id, usage, report(50), T0 + 100).lease!;
    // Gradient2 cuts at most to half per sample, smoothed by 0.2: one sample takes at most a tenth
    // off (fed one by one, the 64 took it to the floor).
    expect(c.limit).toBeGreaterThanOrEqual(Math.floor(before * 0.9));
    // Drops still count one by one (their decrease is scaled per slot): a report of 20 failures halves the limit.
    const failures = Array.from({ length: 20 }, (): ReleaseReport => ({ latencyMs: 5, outcome: "error" }));
    const beforeDrops = c.limit;
    c.renewIsolateLease(lease.id, usage, failures, T0 + 200);
    expect(c.limit).toBeLessThanOrEqual(Math.ceil(beforeDrops * 0.6));
  });
});

describe("AdmissionCore leases when the limit falls", () => {
  it("shrinks a renewing isolate's lease to its share of the fallen limit, and counts its requests still running until they end", () => {
    let n = 0;
    const quota = testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 800 }, minConcurrency: 1, maxConcurrency: 40, limitAlgorithm: "aimd" });
    const c = new AdmissionCore({ quota, now: T0, newTicket: () => `id-${++n}` });
    const first = granted(c, 400).isolateLease!; // (20 - 1) x 3/4 = 14 of the initial limit of 20
    expect(first.slots).toBe(14);
    // Its requests fail: AIMD halves the limit per round of drops, down to 10 here.
    const failures = Array.from({ length: 14 }, (): ReleaseReport => ({ latencyMs: 5, outcome: "error" }));
    const renewal = c.renewIsolateLease(first.id, { usedTokens: 10, inflight: 14, running: 14, demandRps: 400 }, failures, T0 + 100);
    const limit = c.limit;
    expect(limit).toBeLessThan(20);
    // The new lease is three quarters of what the fallen limit leaves free (the first grant's
    // slot is still held), not the 14 its requests still run in...
    expect(renewal.lease?.slots).toBe(Math.floor((3 * (limit - 1)) / 4));
    // ...and those 14 stay in flight until the isolate says they ended.
    expect(c.state(T0 + 100)).toMatchObject({ inflight: 15, leases: { slots: 14 } });
    const next = c.renewIsolateLease(renewal.lease!.id, { usedTokens: 0, inflight: 2, running: 2, demandRps: 400 }, [], T0 + 200);
    expect(c.state(T0 + 200).leases.slots).toBe(next.lease!.slots);
  });
});

