import { describe, expect, it } from "vitest";
import { addAdmission, addBatch, emptyBucket, type Bucket } from "../../../durable-objects/monitor/windows/bucket";
import type { AlertRecord } from "../../../durable-objects/monitor/alerts/alert-log";
import { dashboardData } from "../../../durable-objects/monitor/reports/dashboard-data";
import { sketchOf } from "../../../durable-objects/monitor/windows/sketch";
import type { RequestOutcome, SeriesEntry } from "../../../durable-objects/contracts/telemetry";
import type { RequestPriority } from "../../../durable-objects/contracts/admission";
import { admissionSnapshot, handBatch, T0 } from "./support";

const MINUTE = 60_000;

function series(priority: RequestPriority, outcome: RequestOutcome, values: number[]): SeriesEntry {
  return { route: "/v1/tasks", method: "GET", tenant: "t1", priority, outcome, latency: sketchOf(values), statuses: {} };
}

function minute(start: number, entries: SeriesEntry[]): Bucket {
  const b = emptyBucket(start, MINUTE);
  addBatch(b, handBatch(start, { series: entries }));
  return b;
}

describe("dashboardData: one point per minute", () => {
  // A function, not a value built at describe time: Stryker's per-test coverage does not see
  // code run while collecting tests (see traffic-stats.exact.test.ts).
  const b = () => minute(T0, [series("normal", "success", [10, 10, 10]), series("normal", "server_error", [10]), series("low", "shed", [1, 1]), series("low", "success", [500, 500])]);

  it("counts requests and divides by the minute, or by the part of it gone by", () => {
    expect(dashboardData([b()], [], T0 + 2 * MINUTE).minutes[0]).toMatchObject({ start: T0, requests: 8, rps: 8 / 60 });
    expect(dashboardData([b()], [], T0 + 4000).minutes[0]?.rps).toBe(2);
    expect(dashboardData([b()], [], T0 + 10).minutes[0]?.rps).toBe(8);
  });

  it("gives error and shed rates per priority, and none for a priority without requests", () => {
    const p = dashboardData([b()], [], T0 + MINUTE).minutes[0];
    expect(p?.errorRate).toEqual({ critical: null, high: null, normal: 0.25, low: 0 });
    expect(p?.shedRate).toEqual({ critical: null, high: null, normal: 0, low: 0.5 });
  });

  it("takes percentiles over served requests only, and none in a minute without any", () => {
    const p = dashboardData([b()], [], T0 + MINUTE).minutes[0];
    // Served: four of 10 ms and two of 500 ms (the shed ones, 1 ms, would pull the median down); within 1 %.
    expect(Math.abs((p?.p50 ?? 0) - 10) / 10).toBeLessThanOrEqual(0.01);
    expect(Math.abs((p?.p99 ?? 0) - 500) / 500).toBeLessThanOrEqual(0.01);
    const refusalsOnly = dashboardData([minute(T0, [series("low", "shed", [1])])], [], T0 + MINUTE).minutes[0];
    expect(refusalsOnly).toMatchObject({ requests: 1, p50: null, p95: null, p99: null });
  });
});

describe("dashboardData: tenants", () => {
  const withAdmission = (start: number, snaps: Parameters<typeof admissionSnapshot>[0][]): Bucket => {
    const b = emptyBucket(start, MINUTE);
    for (const over of snaps) {
      const snap = admissionSnapshot(over);
      addAdmission(b, snap, snap.decisions);
    }
    return b;
  };

  it("sums a tenant's controllers per minute and leaves silent minutes empty", () => {
    const minutes = [withAdmission(T0, [{ source: "a", limit: 10, inflight: 4 }, { source: "b", limit: 6, inflight: 1 }]), emptyBucket(T0 + MINUTE, MINUTE)];
    const [series0] = dashboardData(minutes, [], T0 + 2 * MINUTE).tenants;
    expect(series0?.tenant).toBe("t1");
    expect(series0?.points).toEqual([
      { start: T0, limit: 16, inflight: 5, queued: 8, shards: null, leaseSlots: null, leaseCoverage: null },
      { start: T0 + MINUTE, limit: null, inflight: null, queued: null, shards: null, leaseSlots: null, leaseCoverage: null },
    ]);
  });

  it("has no lease coverage for a tenant without a limit", () => {
    const point = dashboardData([withAdmission(T0, [{ limit: 0, leases: { active: 1, tokens: 1, slots: 2 } }])], [], T0 + MINUTE).tenants[0]?.points[0];
    expect(point).toMatchObject({ leaseSlots: 2, leaseCoverage: null });
  });

  it("lists the busiest tenants first, by their peak queue or in flight, then by name, up to the limit asked", () => {
    const b = withAdmission(T0, [
      { source: "q", tenant: "queues", inflight: 0, queued: { critical: 0, high: 0, normal: 9, low: 0 } },
      { source: "f", tenant: "flies", inflight: 20, queued: { critical: 0, high: 0, normal: 0, low: 0 } },
      { source: "z", tenant: "zed", inflight: 1, queued: { critical: 0, high: 0, normal: 0, low: 0 } },
      { source: "y", tenant: "abe", inflight: 1, queued: { critical: 0, high: 0, normal: 0, low: 0 } },
    ]);
    expect(dashboardData([b], [], T0 + MINUTE).tenants.map((t) => t.tenant)).toEqual(["flies", "queues", "abe", "zed"]);
    expect(dashboardData([b], [], T0 + MINUTE, 2).tenants.map((t) => t.tenant)).toEqual(["flies", "queues"]);
  });

  it("passes the alerts and the time through", () => {
    const alerts: AlertRecord[] = [{ id: "k@1", key: "k", rule: "r", severity: "ticket", summary: "s", details: {}, startedAt: 1, endedAt: null, updatedAt: 1 }];
    expect(dashboardData([], alerts, T0)).toEqual({ now: T0, minutes: [], tenants: [], alerts });
  });
});
