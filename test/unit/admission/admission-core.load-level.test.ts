import { describe, expect, it } from "vitest";
import { AdmissionCore, type AcquireOutcome } from "../../../durable-objects/admission/admission-core";
import type { AcquireResult, LoadLevel, Quota } from "../../../durable-objects/contracts/admission";
import { releaseUntilProbe, request, T0, testQuota } from "./support";

/** A fixed limit (min = max), so only the load and not the limiter moves. */
function core(limit: number, over: Partial<Quota> = {}): AdmissionCore {
  let n = 0;
  return new AdmissionCore({ quota: testQuota({ minConcurrency: limit, maxConcurrency: limit, limitAlgorithm: "aimd", ...over }), now: T0, newTicket: () => `t${++n}` });
}

function grant(c: AdmissionCore, now: number, deadline = now + 60_000): string {
  const outcome = c.acquire(request("normal", now, { deadline }), now);
  if (outcome.kind !== "granted") throw new Error(`expected a grant, got ${outcome.kind}`);
  return outcome.result.ticket;
}

function queued(outcome: AcquireOutcome): Promise<AcquireResult> {
  if (outcome.kind !== "queued") throw new Error(`expected to be queued, got ${outcome.kind}`);
  return outcome.waiter.answer;
}

/**
 * The level as last tracked, read without recomputing it: a request already past its deadline
 * is refused first thing, with the stored level (state() and stats() would update it first).
 */
function trackedLevel(c: AdmissionCore, now: number): LoadLevel {
  const outcome = c.acquire(request("critical", now, { deadline: now }), now);
  if (outcome.kind !== "rejected") throw new Error(`expected a rejection, got ${outcome.kind}`);
  return outcome.result.loadLevel;
}

const ok = { latencyMs: 10, outcome: "success" } as const;
const worked = (latencyMs: number) => ({ latencyMs, outcome: "success" }) as const;

describe("AdmissionCore keeps its load level current after every call that frees slots", () => {
  it("a release that takes utilisation under 70 % brings the level back to normal once the hold has passed", () => {
    const c = core(10);
    const tickets = Array.from({ length: 10 }, () => grant(c, T0));
    // The tenth grant found 9 of 10 slots busy.
    expect(trackedLevel(c, T0)).toBe("elevated");
    // The first of these releases still sees 90 % and confirms the level at T0 + 1000. Each
    // request worked as long as it held its slot (a controller next to its isolates).
    for (const t of tickets.slice(0, 4)) c.release(t, worked(1000), T0 + 1000);
    expect(trackedLevel(c, T0 + 1000)).toBe("elevated");
    c.release(tickets[4] ?? "", worked(2000), T0 + 2000);
    expect(trackedLevel(c, T0 + 2000)).toBe("normal");
  });

  it("reads only the working share of its slots as load: requests on the wire to a distant controller are not", () => {
    const releaseTwo = (workMs: number) => {
      const c = core(10);
      const tickets = Array.from({ length: 10 }, () => grant(c, T0));
      expect(trackedLevel(c, T0)).toBe("elevated");
      c.release(tickets[0] ?? "", worked(Math.min(workMs, 100)), T0 + 100);
      c.release(tickets[1] ?? "", worked(Math.min(workMs, 1100)), T0 + 1100);
      return trackedLevel(c, T0 + 1100);
    };
    // 8 of 10 slots held: not under 70 % when every held slot works...
    expect(releaseTwo(Infinity)).toBe("elevated");
    // ...but far under when each slot worked 5 ms of the time it was held.
    expect(releaseTwo(5)).toBe("normal");
  });

  it("reclaiming leases lowers the level", () => {
    const c = core(10);
    for (let i = 0; i < 5; i++) grant(c, T0);
    // Leases of deadline T0 + 1000 lapse at T0 + 2000 (one second of margin).
    for (let i = 0; i < 5; i++) grant(c, T0, T0 + 1000);
    expect(trackedLevel(c, T0)).toBe("elevated");
    expect(c.expire(T0 + 2000).reclaimedLeases).toBe(5);
    expect(trackedLevel(c, T0 + 2000)).toBe("normal");
  });

  it("a larger limit from a new quota lowers the level", () => {
    const c = core(10);
    for (let i = 0; i < 10; i++) grant(c, T0);
    c.configure(testQuota({ minConcurrency: 20, maxConcurrency: 20, limitAlgorithm: "aimd" }), T0 + 1000);
    expect(c.limit).toBe(20);
    expect(trackedLevel(c, T0 + 1000)).toBe("normal");
  });

  it("lifting the governor's cap lowers the level", () => {
    const c = core(20);
    c.setGovernorCap(10, T0);
    for (let i = 0; i < 10; i++) grant(c, T0);
    expect(trackedLevel(c, T0)).toBe("elevated");
    c.setGovernorCap(undefined, T0 + 1000);
    expect(c.limit).toBe(20);
    expect(trackedLevel(c, T0 + 1000)).toBe("normal");
  });
});

describe("AdmissionCore grants waiters as soon as a slot frees, whatever freed it", () => {
  it("lifting the governor's cap grants a waiter at once", async () => {
    const c = core(2);
    c.setGovernorCap(1, T0);
    grant(c, T0);
    const answer = queued(c.acquire(request("normal", T0), T0));
    c.setGovernorCap(undefined, T0 + 30);
    expect(await answer).toMatchObject({ granted: true, queuedMs: 30 });
    expect(c.queued).toBe(0);
  });

  it("reclaiming a lease grants a waiter at once", async () => {
    const c = core(1);
    grant(c, T0, T0 + 100);
    const answer = queued(c.acquire(request("normal", T0), T0));
    expect(c.expire(T0 + 1100)).toEqual({ expiredWaiters: 0, reclaimedLeases: 1 });
    expect(await answer).toMatchObject({ granted: true, queuedMs: 1100 });
  });
});

describe("AdmissionCore feeds a reclaimed lease to the limiter", () => {
  it("as a dropped request: the limit backs off", () => {
    const c = new AdmissionCore({ quota: testQuota({ minConcurrency: 1, maxConcurrency: 100, limitAlgorithm: "aimd" }), now: T0 });
    expect(c.limit).toBe(20);
    grant(c, T0, T0 + 100);
    c.expire(T0 + 1100);
    // One drop multiplies the limit by 0.9^(1/20): 19.9, whole 19. A success at 1 in flight would leave 20.
    expect(c.limit).toBe(19);
  });
});

describe("AdmissionCore load level during the limiter's no-load probe", () => {
  it("reads the requests at work against the learned limit, not the probe's dip: measuring is not load", () => {
    const quota = testQuota({ minConcurrency: 1, maxConcurrency: 100, queueSize: 100, limitAlgorithm: "gradient2", rateLimit: { requests: 1e6, windowMs: 1000, burst: 1e6 } });
    const c = new AdmissionCore({ quota, now: T0 });
    // 2000 saturated samples at the controller: Gradient2 learns its way up and starts a probe at a quarter.
    const held = releaseUntilProbe(c, 2500, 50);
    const settled = c.settledLimit;
    expect(c.limit).toBe(Math.floor(settled / 4));
    // Half the learned limit still at work (granted before the probe, so measuring nothing):
    // over the probe's quarter, and one more asking is queued behind the probe, but not elevated.
    while (held.length > settled / 2) c.release(held.shift()!, { latencyMs: 50, outcome: "success" }, T0);
    expect(c.limit).toBe(Math.floor(settled / 4));
    // (A second on: the level saturating took it to elevated falls back only after a calm second.)
    expect(c.acquire(request("critical", T0 + 2000), T0 + 2000).kind).toBe("queued");
    expect(c.state(T0 + 2000).loadLevel).toBe("normal");
  });
});
