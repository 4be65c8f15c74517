import { describe, expect, expectTypeOf, it } from "vitest";
import type { AdmissionState, AdmissionStateDocument } from "../../../durable-objects/contracts/admission";
import { AdmissionCore, type Lease } from "../../../durable-objects/admission/admission-core";
import { decodeQuota, decodeRestored, leaseKey, LEASE_PREFIX, pendingSchemaSteps, SCHEMA_STEPS, SCHEMA_VERSION } from "../../../durable-objects/admission/storage-schema";
import { request, T0, testQuota } from "./support";

describe("storage schema", () => {
  it("runs only the steps after the stored version", () => {
    expect(pendingSchemaSteps(0)).toHaveLength(SCHEMA_VERSION);
    expect(pendingSchemaSteps(SCHEMA_VERSION)).toHaveLength(0);
    expect(pendingSchemaSteps(SCHEMA_VERSION - 1)).toEqual([SCHEMA_STEPS[SCHEMA_VERSION - 1]]);
    // An object stored by a newer build than this one is left as it is.
    expect(pendingSchemaSteps(SCHEMA_VERSION + 1)).toHaveLength(0);
  });

  it("round-trips budgets and leases as stored objects (structured clone, no JSON)", () => {
    const leases: Lease[] = [];
    const core = new AdmissionCore({ quota: testQuota({ limitAlgorithm: "gradient2" }), now: T0, hooks: { leaseStarted: (l) => leases.push(l) } });
    core.acquire(request("high", T0, { cost: 7 }), T0);
    const restored = decodeRestored(structuredClone(core.snapshot()), leases.map((l) => structuredClone(l)));
    expect(restored).toEqual({ ...core.snapshot(), leases });
    expect(leaseKey(leases[0]!.ticket)).toBe(`${LEASE_PREFIX}${leases[0]!.ticket}`);
  });

  it("treats unreadable values as absent instead of NaN budgets", () => {
    expect(decodeRestored({ bucket: { tokens: "x" } }, [{ ticket: 1 }])).toEqual({ leases: [] });
    expect(decodeRestored("not an object", [])).toEqual({ leases: [] });
    expect(decodeRestored(undefined, [])).toEqual({ leases: [] });
    const restored = decodeRestored({ bucket: { tokens: 3, updatedAt: T0 }, limit: { algorithm: "nope" }, service: null }, []);
    expect(restored).toEqual({ leases: [], bucket: { tokens: 3, updatedAt: T0 } });
  });

  it("round-trips a quota and rejects a broken one", () => {
    const quota = testQuota({ limitAlgorithm: "aimd", routeCosts: { "GET /v1/tasks/stats": 5 } });
    expect(decodeQuota(structuredClone(quota))).toEqual(quota);
    expect(decodeQuota({ ...quota, minConcurrency: 0 })).toBeUndefined();
    expect(decodeQuota("not a quota")).toBeUndefined();
    expect(decodeQuota(undefined)).toBeUndefined();
  });
});

describe("contract", () => {
  it("the state document the DO returns is an AdmissionState", () => {
    expectTypeOf<AdmissionStateDocument>().toExtend<AdmissionState>();
  });
});
