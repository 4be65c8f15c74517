import { describe, expect, it } from "vitest";
import { AdmissionCore, LEASE_MARGIN_MS, type AcquireOutcome, type Lease } from "../../../durable-objects/admission/admission-core";
import type { AcquireResult, Grant, Rejection } from "../../../durable-objects/contracts/admission";
import { request, T0, testQuota, testCore as core, granted } from "./support";

function rejected(outcome: AcquireOutcome): Rejection {
  if (outcome.kind !== "rejected") throw new Error(`expected a rejection, got ${outcome.kind}`);
  return outcome.result;
}

function queued(outcome: AcquireOutcome): Promise<AcquireResult> {
  if (outcome.kind !== "queued") throw new Error(`expected to be queued, got ${JSON.stringify(outcome)}`);
  return outcome.waiter.answer;
}

const ok = { latencyMs: 50, outcome: "success" } as const;

describe("AdmissionCore: immediate decisions", () => {
  it("grants while slots are free, with a lease and the rate-limit numbers", () => {
    const c = core({ maxConcurrency: 2, rateLimit: { requests: 10, windowMs: 1000, burst: 10 } });
    const grant = granted(c.acquire(request("normal", T0, { deadline: T0 + 5000 }), T0));
    expect(grant).toMatchObject({ granted: true, ticket: "t1", queuedMs: 0, leaseMs: 5000 + LEASE_MARGIN_MS, loadLevel: "normal" });
    expect(grant.rateLimit).toEqual({ quota: 10, windowSeconds: 1, remaining: 9, resetSeconds: 1 });
    expect(c.state(T0)).toMatchObject({ inflight: 1, decisions: { admitted: 1 } });
  });

  it("answers rate_limited with the exact wait, before any queueing", () => {
    const c = core({ rateLimit: { requests: 1, windowMs: 1000, burst: 2 } });
    granted(c.acquire(request("normal", T0), T0));
    granted(c.acquire(request("normal", T0), T0));
    const r = rejected(c.acquire(request("critical", T0), T0));
    expect(r).toMatchObject({ reason: "rate_limited", detail: "over_rate", retryAfterMs: 1000 });
    expect(r.rateLimit.remaining).toBe(0);
  });

  it("refuses a request costing more than the burst as never admissible", () => {
    const c = core({ rateLimit: { requests: 1, windowMs: 60_000, burst: 3 } });
    expect(rejected(c.acquire(request("normal", T0, { cost: 4 }), T0))).toMatchObject({ reason: "rate_limited", detail: "cost_exceeds_burst", retryAfterMs: 60_000 });
    expect(c.state(T0).tokens).toBe(3);
  });

  it("refuses a request whose deadline already passed, without spending tokens", () => {
    const c = core();
    expect(rejected(c.acquire(request("critical", T0, { deadline: T0 }), T0))).toMatchObject({ reason: "deadline", detail: "expired" });
    expect(c.state(T0).tokens).toBe(1000);
  });

  it("caps priority at the quota's maxPriority", () => {
    const c = core({ maxConcurrency: 1, maxPriority: "normal" });
    granted(c.acquire(request("normal", T0), T0));
    void queued(c.acquire(request("critical", T0), T0));
    expect(c.state(T0).queued).toEqual({ critical: 0, high: 0, normal: 1, low: 0 });
  });
});

describe("AdmissionCore: queueing", () => {
  it("queues when the limit is reached and grants on release, reporting the wait", async () => {
    const c = core({ maxConcurrency: 1 });
    const first = granted(c.acquire(request("normal", T0), T0));
    const answer = queued(c.acquire(request("normal", T0), T0));
    expect(c.state(T0)).toMatchObject({ inflight: 1, queued: { normal: 1 }, decisions: { queued: 1 } });
    expect(c.release(first.ticket, ok, T0 + 40)).toBe(true);
    const second = (await answer) as Grant;
    expect(second).toMatchObject({ granted: true, queuedMs: 40 });
    expect(c.state(T0 + 40)).toMatchObject({ inflight: 1, queued: { normal: 0 }, decisions: { admitted: 2, queued: 1 } });
  });

  it("serves a critical arrival before lows that queued earlier, then the lows in order", async () => {
    const c = core({ maxConcurrency: 1 });
    const holder = granted(c.acquire(request("normal", T0), T0));
    const lows = [1, 2, 3].map((i) => queued(c.acquire(request("low", T0 + i), T0 + i)));
    const critical = queued(c.acquire(request("critical", T0 + 5), T0 + 5));
    c.release(holder.ticket, ok, T0 + 10);
    const first = (await critical) as Grant;
    expect(first.granted).toBe(true);
    expect(c.state(T0 + 10).queued.low).toBe(3);
    let ticket = first.ticket;
    for (const [i, answer] of lows.entries()) {
      c.release(ticket, ok, T0 + 20 + i);
      const grant = (await answer) as Grant;
      expect(grant).toMatchObject({ granted: true, queuedMs: 20 + i - (i + 1) });
      expect(c.state(T0 + 20 + i).queued.low).toBe(2 - i);
      ticket = grant.ticket;
    }
  });

  it("when the queue is full, a higher arrival evicts the most recent low with 503 queue_full and its tokens back", async () => {
    const c = core({ maxConcurrency: 1, queueSize: 2, rateLimit: { requests: 1, windowMs: 60_000, burst: 10 } });
    granted(c.acquire(request("normal", T0), T0));
    const low1 = queued(c.acquire(request("low", T0), T0));
    const low2 = queued(c.acquire(request("low", T0), T0));
    expect(c.state(T0).tokens).toBe(7);
    const high = c.acquire(request("high", T0), T0);
    expect(high.kind).toBe("queued");
    expect(await low2).toMatchObject({ granted: false, reason: "queue_full", detail: "evicted" });
    expect(c.state(T0)).toMatchObject({ tokens: 7, queued: { high: 1, low: 1 }, decisions: { queue_full: 1, queued: 3 } });
    // An arrival that outranks nobody in a full queue is refused at once.
    expect(rejected(c.acquire(request("low", T0), T0))).toMatchObject({ reason: "queue_full", detail: "queue_full" });
    void low1;
  });

  it("answers a waiter whose deadline passed with deadline, never a grant, and refunds it", async () => {
    const c = core({ maxConcurrency: 1, rateLimit: { requests: 1, windowMs: 60_000, burst: 10 } });
    const holder = granted(c.acquire(request("normal", T0), T0));
    const answer = queued(c.acquire(request("normal", T0, { deadline: T0 + 100 }), T0));
    expect(c.expire(T0 + 100)).toEqual({ expiredWaiters: 1, reclaimedLeases: 0 });
    expect(await answer).toMatchObject({ granted: false, reason: "deadline", detail: "expired" });
    expect(c.state(T0 + 100).tokens).toBeCloseTo(9, 2);
    // The slot freeing afterwards grants nobody.
    c.release(holder.ticket, ok, T0 + 200);
    expect(c.state(T0 + 200)).toMatchObject({ inflight: 0, queued: { normal: 0 }, decisions: { admitted: 1, deadline: 1 } });
  });

  it("never grants an expired waiter even if nothing expired it before the release", async () => {
    const c = core({ maxConcurrency: 1 });
    const holder = granted(c.acquire(request("normal", T0), T0));
    const answer = queued(c.acquire(request("normal", T0, { deadline: T0 + 100 }), T0));
    c.release(holder.ticket, ok, T0 + 500);
    expect(await answer).toMatchObject({ granted: false, reason: "deadline" });
    expect(c.inflight).toBe(0);
  });

  it("rejects at arrival a request the measured service time says would miss its deadline", () => {
    const c = core({ maxConcurrency: 1 });
    // Teach it a 1 s service time.
    const warm = granted(c.acquire(request("normal", T0), T0));
    c.release(warm.ticket, ok, T0 + 1000);
    granted(c.acquire(request("normal", T0 + 1000), T0 + 1000));
    const r = rejected(c.acquire(request("normal", T0 + 1000, { deadline: T0 + 2500 }), T0 + 1000));
    expect(r).toMatchObject({ reason: "deadline", detail: "predicted_wait" });
    // With a deadline it can meet (wait 1 s + service 1 s), it queues.
    expect(c.acquire(request("normal", T0 + 1000, { deadline: T0 + 3500 }), T0 + 1000).kind).toBe("queued");
  });

  it("computes Retry-After for queue_full from the measured service rate", () => {
    const retryAfter = (serviceMs: number) => {
      const c = core({ maxConcurrency: 1, queueSize: 0 });
      const warm = granted(c.acquire(request("normal", T0), T0));
      c.release(warm.ticket, ok, T0 + serviceMs);
      granted(c.acquire(request("normal", T0 + serviceMs), T0 + serviceMs));
      return rejected(c.acquire(request("normal", T0 + serviceMs), T0 + serviceMs)).retryAfterMs;
    };
    expect(retryAfter(300)).toBe(300);
    expect(retryAfter(3000)).toBe(3000);
  });

  it("sheds low arrivals that would queue while overloaded, and only those", async () => {
    const c = core({ maxConcurrency: 1 });
    const holder = granted(c.acquire(request("normal", T0), T0));
    void queued(c.acquire(request("normal", T0, { deadline: T0 + 60_000 }), T0));
    // The waiter has now waited 4 x the fallback service time: a standing queue.
    expect(c.state(T0 + 1000).loadLevel).toBe("overloaded");
    expect(rejected(c.acquire(request("low", T0 + 1000), T0 + 1000))).toMatchObject({ reason: "shed", detail: "overloaded", loadLevel: "overloaded" });
    expect(c.acquire(request("normal", T0 + 1000), T0 + 1000).kind).toBe("queued");
    c.release(holder.ticket, ok, T0 + 1000);
    expect(c.state(T0 + 1000).decisions.shed).toBe(1);
  });
});

describe("AdmissionCore: release and leases", () => {
  it("release is idempotent and unknown tickets are ignored", () => {
    const c = core({ maxConcurrency: 1 });
    const g = granted(c.acquire(request("normal", T0), T0));
    expect(c.release(g.ticket, ok, T0 + 1)).toBe(true);
    expect(c.release(g.ticket, ok, T0 + 2)).toBe(false);
    expect(c.release("nope", ok, T0 + 2)).toBe(false);
    expect(c.inflight).toBe(0);
  });

  it("reclaims a lease whose release never came, and ignores the late release", () => {
    const ended: string[] = [];
    const c = core({ maxConcurrency: 1 }, { hooks: { leaseEnded: (lease, why) => ended.push(`${lease.ticket}:${why}`) } });
    const g = granted(c.acquire(request("normal", T0, { deadline: T0 + 100 }), T0));
    expect(c.expire(T0 + 100 + LEASE_MARGIN_MS - 1).reclaimedLeases).toBe(0);
    expect(c.expire(T0 + 100 + LEASE_MARGIN_MS).reclaimedLeases).toBe(1);
    expect(c.inflight).toBe(0);
    expect(c.release(g.ticket, ok, T0 + 5000)).toBe(false);
    expect(ended).toEqual(["t1:reclaimed"]);
  });

  it("an extended lease is not reclaimed while its work runs, and an unknown one cannot be extended", () => {
    const written: number[] = [];
    const c = core({ maxConcurrency: 1 }, { hooks: { leaseStarted: (lease) => written.push(lease.expiresAt) } });
    const g = granted(c.acquire(request("normal", T0, { deadline: T0 + 100 }), T0));
    const lapse = T0 + 100 + LEASE_MARGIN_MS;
    expect(c.extendLease(g.ticket, 2000, lapse - 500)).toBe(2000);
    expect(written).toEqual([lapse, lapse + 1500]);
    // A shorter extension never shortens it.
    expect(c.extendLease(g.ticket, 10, lapse - 400)).toBe(1900);
    expect(c.expire(lapse + 1000).reclaimedLeases).toBe(0);
    expect(c.inflight).toBe(1);
    expect(c.expire(lapse + 1500).reclaimedLeases).toBe(1);
    expect(c.extendLease(g.ticket, 2000, lapse + 1600)).toBeNull();
    expect(c.extendLease("nope", 2000, lapse)).toBeNull();
  });

  it("feeds failures to the limiter as drops", () => {
    const c = core({ maxConcurrency: 50 });
    const before = c.snapshot().limit.limit;
    const g = granted(c.acquire(request("normal", T0), T0));
    c.release(g.ticket, { latencyMs: 10, outcome: "timeout" }, T0 + 10);
    expect(c.snapshot().limit.limit).toBeLessThan(before);
  });

  it("restores bucket level, learned limit and open leases from a snapshot", () => {
    const leases: Lease[] = [];
    const a = core({ maxConcurrency: 5, rateLimit: { requests: 1, windowMs: 60_000, burst: 10 } }, { hooks: { leaseStarted: (l) => leases.push(l) } });
    for (let i = 0; i < 3; i++) granted(a.acquire(request("normal", T0), T0));
    const b = new AdmissionCore({ quota: a.currentQuota, now: T0 + 10, restored: { ...a.snapshot(), leases } });
    expect(b.state(T0 + 10)).toMatchObject({ inflight: 3, limit: a.limit });
    expect(b.state(T0 + 10).tokens).toBeCloseTo(7, 2);
    expect(b.release(leases[0]!.ticket, ok, T0 + 20)).toBe(true);
    expect(b.inflight).toBe(2);
  });
});

describe("AdmissionCore: configure", () => {
  it("applies a new quota at once: queue bound, limit bounds, bucket", async () => {
    const c = core({ maxConcurrency: 1, queueSize: 5 });
    granted(c.acquire(request("normal", T0), T0));
    const answers = [1, 2, 3].map(() => queued(c.acquire(request("low", T0), T0)));
    c.configure(testQuota({ maxConcurrency: 2, minConcurrency: 2, queueSize: 1, rateLimit: { requests: 1, windowMs: 1000, burst: 1 } }), T0 + 1);
    const results = await Promise.all(answers);
    // The bound shrank to 1 (the two most recent evicted), then a slot opened (limit 2) for the oldest.
    expect(results.map((r) => (r.granted ? "granted" : r.detail))).toEqual(["granted", "evicted", "evicted"]);
    expect(c.state(T0 + 1)).toMatchObject({ limit: 2, inflight: 2, queued: { low: 0 }, tokens: 1 });
  });

  it("swaps the limit algorithm by name, keeping the learned limit", () => {
    const c = core({ maxConcurrency: 40 });
    c.configure(testQuota({ maxConcurrency: 40, limitAlgorithm: "aimd" }), T0);
    expect(c.state(T0)).toMatchObject({ limitAlgorithm: "aimd", limit: 20 });
  });
});
