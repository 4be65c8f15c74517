import { describe, expect, it } from "vitest";
import { AdmissionCore, type AcquireOutcome } from "../../../durable-objects/admission/admission-core";
import type { AcquireResult, Quota } from "../../../durable-objects/contracts/admission";
import { request, T0, testQuota } from "./support";

function core(quota: Partial<Quota> = {}): AdmissionCore {
  let n = 0;
  return new AdmissionCore({ quota: testQuota({ maxConcurrency: 1, ...quota }), now: T0, newTicket: () => `t${++n}` });
}

function grantedTicket(outcome: AcquireOutcome): string {
  if (outcome.kind !== "granted") throw new Error(`expected a grant, got ${outcome.kind}`);
  return outcome.result.ticket;
}

function queued(outcome: AcquireOutcome): Promise<AcquireResult> {
  if (outcome.kind !== "queued") throw new Error(`expected to be queued, got ${outcome.kind}`);
  return outcome.waiter.answer;
}

const ok = { latencyMs: 10, outcome: "success" } as const;

describe("AdmissionCore answers waiters by their own deadlines", () => {
  it("expires exactly the waiters whose deadline has come, one deadline at a time", async () => {
    const c = core();
    grantedTicket(c.acquire(request("normal", T0), T0));
    const answers = [100, 200, 300].map((d) => queued(c.acquire(request("normal", T0, { deadline: T0 + d }), T0)));
    expect(c.expire(T0 + 99).expiredWaiters).toBe(0);
    expect(c.expire(T0 + 100).expiredWaiters).toBe(1);
    expect(c.queued).toBe(2);
    // The next deadline is remembered after the first scan: no waiter outlives it.
    expect(c.expire(T0 + 200).expiredWaiters).toBe(1);
    expect(c.expire(T0 + 300).expiredWaiters).toBe(1);
    expect(c.queued).toBe(0);
    for (const answer of answers) expect(await answer).toMatchObject({ granted: false, reason: "deadline", detail: "expired" });
  });

  it("a freed slot answers every expired waiter, not only those it reaches before the slot is taken", async () => {
    const c = core();
    const holder = grantedTicket(c.acquire(request("normal", T0), T0));
    const high = queued(c.acquire(request("high", T0), T0));
    const late = queued(c.acquire(request("low", T0, { deadline: T0 + 100 }), T0));
    c.release(holder, ok, T0 + 200);
    expect(c.queued).toBe(0);
    expect(await high).toMatchObject({ granted: true, queuedMs: 200 });
    expect(await late).toMatchObject({ granted: false, reason: "deadline", detail: "expired" });
  });

  it("queues a request whose predicted finish is exactly its deadline, and refuses one a millisecond shorter", () => {
    const c = core();
    // One release teaches a service time of 1 s; with the one slot busy, the next waiter waits 1 s and then runs 1 s.
    c.release(grantedTicket(c.acquire(request("normal", T0), T0)), ok, T0 + 1000);
    grantedTicket(c.acquire(request("normal", T0 + 1000), T0 + 1000));
    const short = c.acquire(request("normal", T0 + 1000, { deadline: T0 + 1000 + 1999 }), T0 + 1000);
    expect(short.kind === "rejected" && short.result.detail).toBe("predicted_wait");
    expect(c.acquire(request("normal", T0 + 1000, { deadline: T0 + 1000 + 2000 }), T0 + 1000).kind).toBe("queued");
  });
});

describe("AdmissionCore isolate renewals free slots for waiters", () => {
  it("a renewal that closes a lease grants the waiter its slots were keeping out", async () => {
    // 16 slots: an asking isolate at 4 req/s is leased a quarter second of that, 1 slot.
    const c = core({ minConcurrency: 16, maxConcurrency: 16, limitAlgorithm: "aimd", rateLimit: { requests: 1000, windowMs: 1000, burst: 800 } });
    const first = c.acquire(request("normal", T0, { leaseDemandRps: 4 }), T0);
    const lease = first.kind === "granted" ? first.result.isolateLease : undefined;
    expect(lease).toMatchObject({ slots: 1 });
    for (let i = 0; i < 14; i++) grantedTicket(c.acquire(request("normal", T0), T0));
    expect(c.inflight).toBe(16);
    const answer = queued(c.acquire(request("normal", T0), T0));
    c.renewIsolateLease(lease?.id ?? "", { usedTokens: 0, inflight: 0, demandRps: 0 }, [], T0 + 10);
    expect(await answer).toMatchObject({ granted: true, queuedMs: 10 });
    expect(c.inflight).toBe(16);
  });
});
