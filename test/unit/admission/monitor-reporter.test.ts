import { describe, expect, it } from "vitest";
import { AdmissionCore } from "../../../durable-objects/admission/admission-core";
import { AdmissionReporter } from "../../../durable-objects/admission/monitor-reporter";
import type { AdmissionStats } from "../../../durable-objects/contracts/admission";
import { admissionSnapshotFromStats } from "../../../durable-objects/monitor/ingest/admission-snapshot";
import { emptySketch, sketchOf } from "../../../durable-objects/monitor/windows/sketch";
import { T0, testQuota } from "./support";

const identity = { source: "do-1", tenant: "t1", startedAt: T0 - 5000 };

describe("AdmissionReporter", () => {
  it("reports at most once per interval, with the waits recorded since the last report", () => {
    const core = new AdmissionCore({ quota: testQuota(), now: T0 });
    const reporter = new AdmissionReporter(identity, 1000);
    reporter.recordWait("high", 40);
    reporter.recordWait("high", 60);
    reporter.recordWait("low", 5);
    const first = reporter.takeIfDue(T0, () => core.stats(T0));
    expect(first).toMatchObject({ v: 1, source: "do-1", tenant: "t1", startedAt: T0 - 5000, at: T0 });
    expect(first?.queueWait.high).toMatchObject({ count: 2, sum: 100, min: 40, max: 60 });
    expect(first?.queueWait.low.count).toBe(1);
    expect(first?.queueWait.normal.count).toBe(0);
    // Within the interval: nothing new to say, and the stats are not even computed.
    let asked = 0;
    expect(reporter.takeIfDue(T0 + 999, () => (asked++, core.stats(T0 + 999)))).toBeUndefined();
    expect(asked).toBe(0);
    // At the interval: a new report, the waits having started afresh.
    reporter.recordWait("normal", 7);
    const second = reporter.takeIfDue(T0 + 1000, () => core.stats(T0 + 1000));
    expect(second?.queueWait.high.count).toBe(0);
    expect(second?.queueWait.normal.count).toBe(1);
  });
});

describe("admissionSnapshotFromStats", () => {
  /** A controller's stats written out by hand, every gauge distinct. */
  const statsOf = (extra: Partial<AdmissionStats> = {}): AdmissionStats => ({
    at: T0,
    limit: 12,
    limitAlgorithm: "aimd",
    inflight: 7,
    queued: { critical: 1, high: 2, normal: 3, low: 4 },
    tokens: 9.5,
    loadLevel: "elevated",
    decisions: { critical: { admitted: 1 }, high: { admitted: 2, queued: 1 }, normal: { shed: 3 }, low: {} } as AdmissionStats["decisions"],
    serviceTimeMs: 40,
    serviceRatePerSec: 300,
    completionRatePerSec: 250,
    oldestWaitMs: 15,
    ...extra,
  });

  it("copies the Monitor's fields from the stats and the identity, an empty wait for each priority not given, and no leases or K the stats lack", () => {
    const high = sketchOf([5, 10]);
    // Strictly: no `leases` or `shards` key at all, not even undefined.
    expect(admissionSnapshotFromStats(statsOf(), identity, { high })).toStrictEqual({
      v: 1,
      source: "do-1",
      tenant: "t1",
      at: T0,
      startedAt: T0 - 5000,
      limit: 12,
      inflight: 7,
      queued: { critical: 1, high: 2, normal: 3, low: 4 },
      tokens: 9.5,
      loadLevel: "elevated",
      decisions: { critical: { admitted: 1 }, high: { admitted: 2, queued: 1 }, normal: { shed: 3 }, low: {} },
      queueWait: { critical: emptySketch(), high, normal: emptySketch(), low: emptySketch() },
      serviceRatePerSec: 300,
      completionRatePerSec: 250,
    });
    const all = { critical: sketchOf([1]), high: sketchOf([2]), normal: sketchOf([3]), low: sketchOf([4]) };
    expect(admissionSnapshotFromStats(statsOf(), identity, all).queueWait).toEqual(all);
    expect(admissionSnapshotFromStats(statsOf(), identity).queueWait).toEqual({ critical: emptySketch(), high: emptySketch(), normal: emptySketch(), low: emptySketch() });
  });

  it("carries the lease budget and a root's K (even K = 0) when the stats have them, as copies the controller cannot change afterwards", () => {
    const stats = statsOf({ leases: { active: 2, tokens: 3.5, slots: 4 }, shards: 0 });
    const snapshot = admissionSnapshotFromStats(stats, identity);
    expect(snapshot.leases).toEqual({ active: 2, tokens: 3.5, slots: 4 });
    expect(snapshot.shards).toBe(0);
    expect(admissionSnapshotFromStats(statsOf({ shards: 4 }), identity).shards).toBe(4);
    stats.queued.normal = 99;
    (stats.decisions.normal as Record<string, number>).shed = 99;
    if (stats.leases) stats.leases.active = 99;
    expect(snapshot.queued.normal).toBe(3);
    expect(snapshot.decisions.normal).toEqual({ shed: 3 });
    expect(snapshot.leases?.active).toBe(2);
  });
});
