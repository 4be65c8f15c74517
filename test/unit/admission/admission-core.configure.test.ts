import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { reportRunning, T0, testQuota } from "./support";

describe("AdmissionCore.configure with the same limit algorithm", () => {
  it("keeps the running limiter, with its probe for the no-load RTT, instead of rebuilding it from a snapshot", () => {
    const quota = testQuota({ minConcurrency: 1, maxConcurrency: 100, limitAlgorithm: "gradient2" });
    const c = new AdmissionCore({ quota, now: T0 });
    // Gradient2 starts a probe at a quarter of its limit after 2000 samples taken at >= half the limit in flight:
    // an isolate still running 60 requests reports them.
    reportRunning(c, 2000, 60, 50);
    const probing = c.limit;
    expect(probing).toBeLessThan(Math.floor(c.snapshot().limit.limit));
    c.configure(quota, T0 + 1);
    expect(c.limit).toBe(probing);
  });
});
