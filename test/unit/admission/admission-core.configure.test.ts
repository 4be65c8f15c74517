import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { releaseUntilProbe, reportRunning, T0, testQuota } from "./support";

describe("AdmissionCore.configure with the same limit algorithm", () => {
  it("keeps the running limiter, with its probe for the no-load RTT, instead of rebuilding it from a snapshot", () => {
    const quota = testQuota({ minConcurrency: 1, maxConcurrency: 100, limitAlgorithm: "gradient2", rateLimit: { requests: 1e6, windowMs: 1000, burst: 1e6 } });
    const c = new AdmissionCore({ quota, now: T0 });
    // Gradient2 starts a probe at a quarter of its limit after 2000 samples taken at >= half the limit in flight.
    releaseUntilProbe(c, 2500, 50);
    const probing = c.limit;
    expect(probing).toBeLessThan(Math.floor(c.snapshot().limit.limit));
    c.configure(quota, T0 + 1);
    expect(c.limit).toBe(probing);
  });
});

describe("AdmissionCore and the limiter's no-load probe", () => {
  it("starts no probe while slots are leased out (they stay held until renewal: nothing to measure), and reports never start one", () => {
    const quota = testQuota({ minConcurrency: 1, maxConcurrency: 100, limitAlgorithm: "gradient2", rateLimit: { requests: 1e6, windowMs: 1000, burst: 1e6 } });
    const c = new AdmissionCore({ quota, now: T0 });
    // An isolate's drain lease holds 5 slots while the controller's own requests saturate the rest.
    c.renewIsolateLease("reclaimed", { usedTokens: 0, inflight: 5, running: 5, demandRps: 0 }, [], T0);
    releaseUntilProbe(c, 2500, 50);
    expect(c.limit).toBe(c.settledLimit);
    // The same without the lease: the probe starts.
    const alone = new AdmissionCore({ quota, now: T0 });
    releaseUntilProbe(alone, 2500, 50);
    expect(alone.limit).toBeLessThan(alone.settledLimit);
    // Reports alone, however many, never start one.
    const reported = new AdmissionCore({ quota, now: T0 });
    reportRunning(reported, 2500, 60, 50);
    expect(reported.limit).toBe(reported.settledLimit);
  });
});

