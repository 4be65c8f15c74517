import { describe, expect, expectTypeOf, it } from "vitest";
import type { AdmissionState, AdmissionStateDocument } from "../../../durable-objects/admission/contract";
import { AdmissionCore, type Lease } from "../../../durable-objects/admission/admission-core";
import { budgetRow, decodeQuota, decodeRestored, encodeQuota, leaseRow, pendingSchemaSteps, SCHEMA_VERSION } from "../../../durable-objects/admission/storage-schema";
import { request, T0, testQuota } from "./support";

describe("storage schema", () => {
  it("runs only the steps after the stored version", () => {
    expect(pendingSchemaSteps(0)).toHaveLength(SCHEMA_VERSION);
    expect(pendingSchemaSteps(SCHEMA_VERSION)).toHaveLength(0);
  });

  it("round-trips budgets and leases through rows", () => {
    const leases: Lease[] = [];
    const core = new AdmissionCore({ quota: testQuota({ limitAlgorithm: "gradient2" }), now: T0, hooks: { leaseStarted: (l) => leases.push(l) } });
    core.acquire(request("high", T0, { cost: 7 }), T0);
    const restored = decodeRestored(budgetRow(core.snapshot()), leases.map(leaseRow));
    expect(restored).toEqual({ ...core.snapshot(), leases });
  });

  it("treats unreadable rows as absent instead of NaN budgets", () => {
    expect(decodeRestored({ bucket_tokens: "x" }, [{ ticket: 1 }])).toEqual({ leases: [] });
    const restored = decodeRestored({ bucket_tokens: 3, bucket_updated_at: T0, limit_state: "{", service_state: "null" }, []);
    expect(restored).toEqual({ leases: [], bucket: { tokens: 3, updatedAt: T0 } });
  });

  it("round-trips a quota and rejects a broken one", () => {
    const quota = testQuota({ limitAlgorithm: "aimd", routeCosts: { "GET /v1/tasks/stats": 5 } });
    expect(decodeQuota(encodeQuota(quota))).toEqual(quota);
    expect(decodeQuota(JSON.stringify({ ...quota, minConcurrency: 0 }))).toBeUndefined();
    expect(decodeQuota("not json")).toBeUndefined();
  });
});

describe("contract", () => {
  it("the state document the DO returns is an AdmissionState", () => {
    expectTypeOf<AdmissionStateDocument>().toExtend<AdmissionState>();
  });
});
