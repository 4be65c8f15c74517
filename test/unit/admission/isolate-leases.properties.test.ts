import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { LEASE_FRACTION, sizeLease } from "../../../durable-objects/admission/isolate-leases";
import { LocalLease } from "../../../worker/admission/local-lease";
import { T0, testQuota, rng } from "./support";

/**
 * Many isolates with lease clients against one controller core, flooding at several times the
 * tenant's rate (the budget-accuracy property): whatever the arrival order, service
 * times, renewal timing and isolates that die, the requests admitted never exceed
 * burst + rate × t, and the controller never counts fewer requests in flight than really run
 * in live isolates (so its limit holds).
 */

interface Running {
  isolate: number;
  endsAt: number;
  local: boolean;
  ticket?: string;
  startedAt: number;
}

const scenario = fc.record({
  /** 64 never binds (the rate does); 4 and 16 bind for the slower services. */
  limit: fc.constantFrom(4, 16, 64),
  isolates: fc.integer({ min: 1, max: 12 }),
  overload: fc.integer({ min: 2, max: 6 }),
  serviceMs: fc.integer({ min: 1, max: 150 }),
  dies: fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }),
  /** Round trip of a lease renewal: the isolate goes on admitting while it travels. */
  renewalRttMs: fc.constantFrom(0, 20, 80),
  seed: fc.integer(),
});


type Scenario = { limit: number; isolates: number; overload: number; serviceMs: number; dies: number[]; renewalRttMs: number; seed: number; durationMs: number };

/** The tenant's budget in every flood: 200 requests per second after a burst of 100. */
const rate = 200;
const burst = 100;

/**
 * Floods one controller core through `isolates` lease clients for `durationMs` (simulated,
 * 5 ms steps) and checks at every step that the admitted count stays within burst + rate × t
 * that no more requests run than the concurrency limit, and that the controller never counts
 * fewer requests in flight than really run.
 * Returns how many requests were admitted in all.
 */
function flood({ limit, isolates, overload, serviceMs, dies, renewalRttMs, seed, durationMs }: Scenario): number {
  const random = rng(seed);
  const quota = testQuota({ rateLimit: { requests: rate, windowMs: 1000, burst }, maxConcurrency: limit, minConcurrency: limit, queueSize: 0 });
  const core = new AdmissionCore({ quota, now: T0, random });
  const clients = Array.from({ length: isolates }, () => new LocalLease());
  const dead = new Set<number>();
  const running: Running[] = [];
  type Renewal = ReturnType<LocalLease["beginRenewal"]> & object;
  const inFlight: { isolate: number; payload: Renewal; reachesAt: number; returnsAt: number; answer?: ReturnType<AdmissionCore["renewIsolateLease"]> }[] = [];
  let admitted = 0;
  const arrivalsPerMs = (rate * overload) / 1000;
  let carry = 0;
  for (let t = 0; t <= durationMs; t += 5) {
    const now = T0 + t;
    if (t === 3000) for (const d of dies) if (d < isolates) dead.add(d);
    // Requests that end: released to the controller, or to their isolate's lease.
    for (let i = running.length - 1; i >= 0; i--) {
      const r = running[i]!;
      if (r.endsAt > now) continue;
      running.splice(i, 1);
      if (dead.has(r.isolate)) continue;
      if (r.local) clients[r.isolate]!.finished({ latencyMs: now - r.startedAt, outcome: "success" });
      else core.release(r.ticket!, { latencyMs: now - r.startedAt, outcome: "success" }, now);
    }
    // A dead isolate's requests die with it; the controller finds out at lease expiry.
    for (let i = running.length - 1; i >= 0; i--) if (dead.has(running[i]!.isolate)) running.splice(i, 1);
    core.expire(now);
    // Renewals reach the controller half a round trip after they leave, and come back after a whole one.
    for (let i = inFlight.length - 1; i >= 0; i--) {
      const r = inFlight[i]!;
      if (!r.answer && r.reachesAt <= now) r.answer = core.renewIsolateLease(r.payload.id, r.payload.usage, r.payload.samples, now);
      if (r.answer && r.returnsAt <= now) {
        inFlight.splice(i, 1);
        if (!dead.has(r.isolate)) clients[r.isolate]!.adopt(r.answer.lease, now);
      }
    }
    carry += arrivalsPerMs * 5;
    for (; carry >= 1; carry--) {
      const isolate = Math.floor(random() * isolates);
      if (dead.has(isolate)) continue;
      const client = clients[isolate]!;
      client.noteArrival(now);
      if (client.renewalDue(now)) {
        const payload = client.beginRenewal(now);
        if (payload) inFlight.push({ isolate, payload, reachesAt: now + renewalRttMs / 2, returnsAt: now + renewalRttMs });
      }
      const endsAt = now + serviceMs * (0.5 + random());
      if (client.tryAdmit(1, now)) {
        admitted++;
        running.push({ isolate, endsAt, local: true, startedAt: now });
        continue;
      }
      const asking = client.claimAsk();
      const outcome = core.acquire({ priority: "normal", cost: 1, deadline: now + 5000, route: "GET /v1/tasks", ...(asking ? { leaseDemandRps: client.demandRps(now) } : {}) }, now);
      if (asking) client.askAnswered();
      if (outcome.kind !== "granted") continue;
      admitted++;
      running.push({ isolate, endsAt, local: false, ticket: outcome.result.ticket, startedAt: now });
      if (outcome.result.isolateLease) client.adopt(outcome.result.isolateLease, now);
    }
    expect(admitted).toBeLessThanOrEqual(burst + (rate * t) / 1000 + 1e-9);
    expect(running.length).toBeLessThanOrEqual(core.inflight);
    expect(running.length).toBeLessThanOrEqual(core.limit);
    expect(core.inflight).toBeLessThanOrEqual(core.limit);
  }
  return admitted;
}

describe("isolate leases under a flood from many isolates", () => {
  it("admits at most burst + rate × t, runs no more than the limit, and never under-counts what runs", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const durationMs = 6000;
        const admitted = flood({ ...s, durationMs });
        // Flooded at several times the rate (with slots to spare, every isolate alive), the tenant gets close to all of its budget.
        if (s.limit === 64 && s.dies.every((d) => d >= s.isolates)) expect(admitted).toBeGreaterThanOrEqual(0.9 * (burst + (rate * durationMs) / 1000) - burst);
      }),
      { numRuns: 60 },
    );
    // About 6 s on an idle core: past vitest's 5 s default, more on a loaded machine.
  }, 60_000);

  it("admits within 2 % of burst + rate × t over a 60 s flood at 4× the rate, whatever the isolates and the distance", () => {
    fc.assert(
      fc.property(
        fc.record({ isolates: fc.integer({ min: 1, max: 16 }), serviceMs: fc.integer({ min: 1, max: 150 }), renewalRttMs: fc.constantFrom(0, 20, 80), seed: fc.integer() }),
        (s) => {
          const durationMs = 60_000;
          const budget = burst + (rate * durationMs) / 1000;
          const admitted = flood({ ...s, limit: 64, overload: 4, dies: [], durationMs });
          expect(admitted).toBeLessThanOrEqual(budget);
          expect(admitted).toBeGreaterThanOrEqual(0.98 * budget);
        },
      ),
      { numRuns: 6 },
    );
  }, 60_000);

  it("sizes a lease from demand, 1/LEASE_FRACTION of the free tokens and 3/(4(n+1)) of the free slots beside n leases (or one slot of two free)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10_000, noNaN: true }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 1000 }), fc.nat(50), (demand, tokens, slots, holders) => {
        const offer = sizeLease(demand, tokens, slots, 1, holders);
        if (!offer) return;
        expect(offer.tokens).toBeLessThanOrEqual(tokens / LEASE_FRACTION);
        expect(offer.slots).toBeLessThanOrEqual(Math.max((3 * slots) / (4 * (holders + 1)), slots >= 2 ? 1 : 0));
        expect(offer.slots).toBeLessThanOrEqual((3 * slots) / 4);
        expect(offer.tokens).toBeLessThanOrEqual(Math.ceil(demand / 4));
        expect(offer.tokens).toBeGreaterThanOrEqual(1);
        expect(offer.slots).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});
