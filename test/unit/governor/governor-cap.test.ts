import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { DemandReporter, GOVERNOR_REPORT_INTERVAL_MS } from "../../../durable-objects/governor/demand-reporter";
import { GovernorCore } from "../../../durable-objects/governor/governor-core";
import { request, T0, testQuota } from "../admission/support";

function core(maxConcurrency: number): AdmissionCore {
  let n = 0;
  return new AdmissionCore({ quota: testQuota({ maxConcurrency, queueSize: 100 }), now: T0, newTicket: () => `t${++n}` });
}

describe("the governor's cap in AdmissionCore", () => {
  it("holds the limit at or under the cap, keeps what was learned, and grants waiters when the cap rises", async () => {
    const c = core(20);
    expect(c.limit).toBe(20);
    c.setGovernorCap(3, T0);
    expect(c.limit).toBe(3);
    expect(c.state(T0)).toMatchObject({ limit: 3, share: 3, learnedLimit: 20 });
    const outcomes = Array.from({ length: 5 }, () => c.acquire(request("normal", T0), T0));
    expect(outcomes.map((o) => o.kind)).toEqual(["granted", "granted", "granted", "queued", "queued"]);
    expect(c.inflight).toBe(3);
    c.setGovernorCap(5, T0 + 1);
    expect(c.inflight).toBe(5);
    expect(c.queued).toBe(0);
    c.setGovernorCap(undefined, T0 + 2);
    expect(c.state(T0 + 2)).toMatchObject({ limit: 20, share: null });
  });

  it("never grants more than the cap in force, whatever the caps and arrivals", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 30 }).map((cap) => ({ cap })), fc.constant({ arrive: true }), fc.constant({ release: true })), { maxLength: 200 }), (steps) => {
        const c = core(25);
        const tickets: string[] = [];
        let now = T0;
        let cap = Number.POSITIVE_INFINITY;
        for (const step of steps) {
          now += 1;
          if ("cap" in step) {
            cap = step.cap;
            c.setGovernorCap(cap, now);
          } else if ("arrive" in step) {
            const o = c.acquire(request("normal", now), now);
            if (o.kind === "granted") {
              tickets.push(o.result.ticket);
              // A grant at arrival happens only with a slot free under the cap.
              expect(c.inflight).toBeLessThanOrEqual(cap);
            } else if (o.kind === "queued") void o.waiter.answer.then((r) => r.granted && tickets.push(r.ticket));
          } else {
            const ticket = tickets.shift();
            if (ticket) c.release(ticket, { latencyMs: 5, outcome: "success" }, now);
          }
          expect(c.limit).toBeLessThanOrEqual(cap);
          expect(c.limit).toBeGreaterThanOrEqual(1);
        }
      }),
    );
  });
});

describe("DemandReporter", () => {
  it("reports at most once per interval: demand, admitted rate and the D1 use since the last report", () => {
    const reporter = new DemandReporter("acme", 1000);
    let admittedTotal = 10;
    const now = () => ({ inflight: 3, queued: 4, admittedTotal, weight: 2 });
    const first = reporter.takeIfDue(T0, now);
    expect(first).toMatchObject({ tenant: "acme", demand: 7, admittedPerSec: 0, dbQueries: 0, weight: 2 });
    reporter.recordDb({ dbMs: 30, dbQueries: 3 });
    reporter.recordDb({ dbMs: 20, dbQueries: 2 });
    reporter.recordDb({ dbMs: Number.NaN, dbQueries: -1 });
    reporter.recordLeasedAdmissions(5);
    admittedTotal = 30;
    expect(reporter.takeIfDue(T0 + 500, now)).toBeUndefined();
    const second = reporter.takeIfDue(T0 + 2000, now);
    expect(second).toMatchObject({ demand: 7, dbQueries: 5, dbMs: 50, dbMsPerSec: 25, admittedPerSec: 12.5 });
    expect(reporter.takeIfDue(T0 + 3000, now)).toMatchObject({ dbQueries: 0, dbMs: 0, admittedPerSec: 0 });
  });

  it("spells out every field of a report, over the first window one interval long", () => {
    const reporter = new DemandReporter("acme", 2000);
    reporter.recordDb({ dbMs: 30, dbQueries: 4 });
    reporter.recordLeasedAdmissions(6);
    expect(reporter.takeIfDue(T0, () => ({ inflight: 3, queued: 5, admittedTotal: 100, weight: 2 }))).toEqual({
      tenant: "acme",
      at: T0,
      demand: 8,
      inflight: 3,
      admittedPerSec: 3,
      wantedPerSec: 3,
      dbMsPerSec: 15,
      dbQueries: 4,
      dbMs: 30,
      weight: 2,
    });
  });

  it("reports what the tenant wanted admitted: admitted plus shed for saturation since the last report", () => {
    const reporter = new DemandReporter("acme");
    reporter.takeIfDue(T0, () => ({ inflight: 0, queued: 0, admittedTotal: 10, shedTotal: 40, weight: 1 }));
    reporter.recordLeasedAdmissions(5);
    const next = reporter.takeIfDue(T0 + 2 * GOVERNOR_REPORT_INTERVAL_MS, () => ({ inflight: 0, queued: 0, admittedTotal: 30, shedTotal: 100, weight: 1 }));
    expect(next?.admittedPerSec).toBe(12.5); // (20 + 5 leased) over 2 s
    expect(next?.wantedPerSec).toBe(42.5); // and the 60 shed
    const counterReset = reporter.takeIfDue(T0 + 3 * GOVERNOR_REPORT_INTERVAL_MS, () => ({ inflight: 0, queued: 0, admittedTotal: 30, shedTotal: 0, weight: 1 }));
    expect(counterReset?.wantedPerSec).toBe(0); // a counter that went back (a new core) counts nothing, never less than nothing
  });

  it("reads a tenant refused before it queues as wanting its wanted rate times its service time in slots", () => {
    const reporter = new DemandReporter("acme");
    reporter.takeIfDue(T0, () => ({ inflight: 0, queued: 0, admittedTotal: 0, shedTotal: 0, weight: 1 }));
    // 100 admitted and 900 refused in one second, 40 ms each: 1 000 req/s would fill 40 slots.
    const shed = reporter.takeIfDue(T0 + 1000, () => ({ inflight: 2, queued: 0, admittedTotal: 100, shedTotal: 900, serviceMs: 40, weight: 1 }));
    expect(shed?.demand).toBeCloseTo(40, 9);
    expect(shed?.inflight).toBe(2);
    // Nothing refused: in flight + queued when that is more than Little's law gives.
    const busy = reporter.takeIfDue(T0 + 2000, () => ({ inflight: 9, queued: 3, admittedTotal: 200, shedTotal: 900, serviceMs: 40, weight: 1 }));
    expect(busy?.demand).toBe(12);
    // Without a service time only in flight + queued count.
    const unknown = reporter.takeIfDue(T0 + 3000, () => ({ inflight: 1, queued: 0, admittedTotal: 300, shedTotal: 5000, serviceMs: Number.NaN, weight: 1 }));
    expect(unknown?.demand).toBe(1);
  });

  it("gives tenants refused before they queue their weighted shares beside one admitted in full", () => {
    // Weighted fairness as a run saw it: a, weight 1, served 387 req/s with 37 in flight; b (weight 1)
    // and c (weight 2) each asked 1 180 req/s and were refused all but 31 before they queued.
    const governor = new GovernorCore({ maxBudget: 50 });
    const second = (tenant: string, now: { inflight: number; admittedTotal: number; shedTotal: number; weight: number }) => {
      const reporter = new DemandReporter(tenant);
      reporter.takeIfDue(T0, () => ({ inflight: 0, queued: 0, admittedTotal: 0, shedTotal: 0, weight: now.weight }));
      const report = reporter.takeIfDue(T0 + 1000, () => ({ ...now, queued: 0, serviceMs: 40 }));
      if (!report) throw new Error("a report was due");
      governor.report(report, T0 + 1000);
    };
    second("a", { inflight: 37, admittedTotal: 387, shedTotal: 0, weight: 1 });
    second("b", { inflight: 0, admittedTotal: 31, shedTotal: 1149, weight: 1 });
    second("c", { inflight: 1, admittedTotal: 31, shedTotal: 1149, weight: 2 });
    const [a, b, c] = [governor.shareOf("a"), governor.shareOf("b"), governor.shareOf("c")];
    // Each wants 38-48 slots, more than a third of 50: shares by weight, 12-13 : 12-13 : 25.
    expect(a + b + c).toBeLessThanOrEqual(50);
    expect(c).toBeGreaterThanOrEqual(24);
    expect(Math.max(a, b)).toBeLessThanOrEqual(13);
    expect(governor.capOf("a")).toBeLessThanOrEqual(13);
  });

  it("is due again exactly one interval after the last report, and not a millisecond before", () => {
    const reporter = new DemandReporter("acme");
    const now = () => ({ inflight: 1, queued: 0, admittedTotal: 0, weight: 1 });
    expect(reporter.isDue(T0)).toBe(true);
    // The first report is due whatever the clock reads, even at 0.
    expect(new DemandReporter("acme").isDue(0)).toBe(true);
    expect(reporter.takeIfDue(T0, now)).toBeDefined();
    expect(reporter.isDue(T0 + GOVERNOR_REPORT_INTERVAL_MS - 1)).toBe(false);
    expect(reporter.takeIfDue(T0 + GOVERNOR_REPORT_INTERVAL_MS - 1, now)).toBeUndefined();
    expect(reporter.isDue(T0 + GOVERNOR_REPORT_INTERVAL_MS)).toBe(true);
    expect(reporter.takeIfDue(T0 + GOVERNOR_REPORT_INTERVAL_MS, now)?.at).toBe(T0 + GOVERNOR_REPORT_INTERVAL_MS);
  });

  it("ignores D1 uses and leased admissions that are not positive finite numbers, and counts whole queries", () => {
    const reporter = new DemandReporter("acme", 1000);
    reporter.recordDb({ dbMs: 10, dbQueries: 2.7 });
    reporter.recordDb({ dbMs: Number.POSITIVE_INFINITY, dbQueries: Number.POSITIVE_INFINITY });
    reporter.recordDb({ dbMs: -5, dbQueries: 0 });
    reporter.recordDb({});
    reporter.recordLeasedAdmissions(Number.POSITIVE_INFINITY);
    reporter.recordLeasedAdmissions(-3);
    reporter.recordLeasedAdmissions(Number.NaN);
    reporter.recordLeasedAdmissions(2);
    expect(reporter.takeIfDue(T0, () => ({ inflight: 0, queued: 0, admittedTotal: 0, weight: 1 }))).toMatchObject({ dbMs: 10, dbQueries: 2, admittedPerSec: 2 });
  });

  it("never reports negative demand, in-flight or admissions (a counter that went back)", () => {
    const reporter = new DemandReporter("acme", 1000);
    reporter.takeIfDue(T0, () => ({ inflight: 0, queued: 0, admittedTotal: 50, weight: 1 }));
    const report = reporter.takeIfDue(T0 + 1000, () => ({ inflight: -4, queued: 1, admittedTotal: 20, weight: 1 }));
    expect(report).toMatchObject({ demand: 0, inflight: 0, admittedPerSec: 0 });
  });

  it("divides by at least a millisecond when two reports share an instant", () => {
    const reporter = new DemandReporter("acme", 0);
    reporter.takeIfDue(T0, () => ({ inflight: 0, queued: 0, admittedTotal: 0, weight: 1 }));
    reporter.recordDb({ dbMs: 2, dbQueries: 1 });
    expect(reporter.takeIfDue(T0, () => ({ inflight: 0, queued: 0, admittedTotal: 3, weight: 1 }))).toMatchObject({ admittedPerSec: 3000, dbMsPerSec: 2000 });
  });
});
