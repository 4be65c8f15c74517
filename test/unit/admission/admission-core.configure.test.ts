import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import type { ReleaseReport } from "../../../durable-objects/contracts/admission";
import { T0, testQuota } from "./support";

describe("AdmissionCore.configure with the same limit algorithm", () => {
  it("keeps the running limiter, with its probe for the no-load RTT, instead of rebuilding it from a snapshot", () => {
    const quota = testQuota({ minConcurrency: 1, maxConcurrency: 100, limitAlgorithm: "gradient2" });
    const c = new AdmissionCore({ quota, now: T0 });
    // Gradient2 starts a probe at a quarter of its limit after 2000 samples taken at >= half the limit in flight:
    // an isolate still running 60 requests reports them.
    const samples: ReleaseReport[] = Array.from({ length: 2000 }, () => ({ latencyMs: 50, outcome: "success" }));
    c.renewIsolateLease("reclaimed", { usedTokens: 0, inflight: 60, demandRps: 0 }, samples, T0);
    const probing = c.limit;
    expect(probing).toBeLessThan(Math.floor(c.snapshot().limit.limit));
    c.configure(quota, T0 + 1);
    expect(c.limit).toBe(probing);
  });
});
