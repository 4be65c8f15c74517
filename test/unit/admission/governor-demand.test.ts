import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { demandNowOf } from "../../../durable-objects/admission/governor-link";
import { DemandReporter } from "../../../durable-objects/governor/demand-reporter";
import { request, T0, testQuota } from "./support";

/** A fixed limit of 80 slots and a budget that never runs out. */
function core(): AdmissionCore {
  let n = 0;
  const quota = testQuota({ rateLimit: { requests: 1000, windowMs: 1000, burst: 800 }, minConcurrency: 80, maxConcurrency: 80, limitAlgorithm: "aimd" });
  return new AdmissionCore({ quota, now: T0, newTicket: () => `id-${++n}` });
}

function grant(c: AdmissionCore, leaseDemandRps?: number) {
  const outcome = c.acquire(request("normal", T0, leaseDemandRps === undefined ? {} : { leaseDemandRps }), T0);
  if (outcome.kind !== "granted") throw new Error(`expected a grant, got ${outcome.kind}`);
  return outcome.result;
}

describe("a controller's demand as the governor hears it", () => {
  it("counts the slots at work, not the slots an isolate's lease parks", () => {
    const c = core();
    const lease = grant(c, 400).isolateLease!; // 59 of the 80 slots, none running yet
    for (let i = 0; i < 3; i++) grant(c);
    expect(c.inflight).toBe(63);
    expect(demandNowOf(c).inflight).toBe(4);
    const report = new DemandReporter("t").takeIfDue(T0, () => demandNowOf(c));
    expect(report?.demand).toBe(4);
    expect(report?.inflight).toBe(4);

    // The isolate reports 16 of its slots running: they are demand.
    c.renewIsolateLease(lease.id, { usedTokens: lease.tokens, inflight: 16, running: 16, demandRps: 400 }, [], T0);
    expect(demandNowOf(c).inflight).toBe(20);
  });

  it("counts the requests an isolate reported waiting for a slot of its lease, at most the limit", () => {
    const c = core();
    const lease = grant(c, 400).isolateLease!;
    for (let i = 0; i < 3; i++) grant(c);
    // 16 running and, at the peak, 4 more waiting for one of the lease's slots.
    const renewal = c.renewIsolateLease(lease.id, { usedTokens: lease.tokens, inflight: 16, running: 16, wanted: 20, demandRps: 400 }, [], T0);
    expect(demandNowOf(c)).toMatchObject({ inflight: 20, queued: 4 });
    expect(new DemandReporter("t").takeIfDue(T0, () => demandNowOf(c))?.demand).toBe(24);
    // A confused isolate's count is held to the limit (80).
    c.renewIsolateLease(renewal.lease!.id, { usedTokens: 0, inflight: 16, running: 16, wanted: 10_000, demandRps: 400 }, [], T0);
    expect(demandNowOf(c).queued).toBe(80);
  });
});
