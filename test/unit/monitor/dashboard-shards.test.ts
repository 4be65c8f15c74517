import { describe, expect, it } from "vitest";
import { addAdmission, emptyBucket } from "../../../durable-objects/monitor/windows/bucket";
import { decisionDeltas } from "../../../durable-objects/monitor/ingest/admission-deltas";
import { dashboardData } from "../../../durable-objects/monitor/reports/dashboard-data";
import { MINUTE } from "../../../durable-objects/monitor/windows/windows";
import { admissionSnapshot, T0 } from "./support";

describe("dashboard data: shards and lease coverage per tenant", () => {
  it("shows the root's K and the share of the tenant's limit isolates hold under leases, shards' slots not counted twice", () => {
    const minute = emptyBucket(T0, MINUTE);
    const root = admissionSnapshot({ source: "root", at: T0 + 1000, limit: 20, inflight: 12, shards: 4, leases: { active: 2, tokens: 30, slots: 4 } });
    // A shard reports no limit or in flight of its own: the root's figures already hold its slots.
    const shard = admissionSnapshot({ source: "shard-0", at: T0 + 1000, limit: 0, inflight: 0, leases: { active: 1, tokens: 5, slots: 1 } });
    for (const snap of [root, shard]) addAdmission(minute, snap, decisionDeltas(undefined, snap));
    const point = dashboardData([minute], [], T0 + 2000).tenants[0]?.points[0];
    expect(point).toMatchObject({ limit: 20, inflight: 12, shards: 4, leaseSlots: 5, leaseCoverage: 0.25 });
  });

  it("has no shard count or coverage for a tenant that never reported them", () => {
    const minute = emptyBucket(T0, MINUTE);
    const snap = admissionSnapshot({ at: T0 + 1000 });
    addAdmission(minute, snap, decisionDeltas(undefined, snap));
    expect(dashboardData([minute], [], T0 + 2000).tenants[0]?.points[0]).toMatchObject({ shards: null, leaseSlots: null, leaseCoverage: null });
  });
});
