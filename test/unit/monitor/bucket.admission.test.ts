import { describe, expect, it } from "vitest";
import { addAdmission, emptyBucket, mergeBucket, type AdmissionAggregate } from "../../../durable-objects/monitor/windows/bucket";
import { emptySketch, sketchOf } from "../../../durable-objects/monitor/windows/sketch";
import type { AdmissionSnapshot } from "../../../durable-objects/contracts/telemetry";
import { admissionSnapshot, T0 } from "./support";

const MINUTE = 60_000;

function deltas(over: Partial<AdmissionSnapshot["decisions"]> = {}): AdmissionSnapshot["decisions"] {
  const zero = { admitted: 0, queued: 0, rate_limited: 0, queue_full: 0, shed: 0, deadline: 0 };
  return { critical: { ...zero }, high: { ...zero }, normal: { ...zero }, low: { ...zero }, ...over };
}

function aggregate(snaps: Array<[AdmissionSnapshot, AdmissionSnapshot["decisions"]]>): AdmissionAggregate | undefined {
  const b = emptyBucket(T0, MINUTE);
  for (const [snap, d] of snaps) addAdmission(b, snap, d);
  return b.admission["adm-t1"];
}

describe("addAdmission", () => {
  it("takes the first snapshot's gauges, its decision deltas and its queue waits", () => {
    const agg = aggregate([[admissionSnapshot({ leases: { active: 1, tokens: 2, slots: 3 }, shards: 2 }), deltas({ normal: { ...deltas().normal, admitted: 5 } })]]);
    expect(agg).toMatchObject({ tenant: "t1", at: T0, limit: 10, inflight: 2, queued: { critical: 0, high: 0, normal: 3, low: 1 }, maxQueued: 4, loadLevel: "normal", serviceRatePerSec: 100, completionRatePerSec: 80, leases: { active: 1, tokens: 2, slots: 3 }, shards: 2 });
    expect(agg?.decisions.normal.admitted).toBe(5);
    expect(agg?.queueWait.normal.count).toBe(3);
    expect(agg?.queueWait.low).toEqual(emptySketch());
  });

  it("keeps the latest gauges whatever order the snapshots arrive in, and the largest queue either held", () => {
    const early = admissionSnapshot({ at: T0, limit: 10, inflight: 2, loadLevel: "elevated", queued: { critical: 0, high: 0, normal: 9, low: 0 } });
    const late = admissionSnapshot({ at: T0 + 10, limit: 12, inflight: 5, loadLevel: "normal", queued: { critical: 1, high: 0, normal: 0, low: 0 }, serviceRatePerSec: null, completionRatePerSec: 7 });
    for (const order of [[early, late], [late, early]]) {
      const agg = aggregate(order.map((s) => [s, deltas()]));
      expect(agg).toMatchObject({ at: T0 + 10, limit: 12, inflight: 5, loadLevel: "normal", queued: { critical: 1, normal: 0 }, maxQueued: 9, serviceRatePerSec: null, completionRatePerSec: 7 });
    }
  });

  it("takes a snapshot at the same instant as the newer one", () => {
    const agg = aggregate([
      [admissionSnapshot({ limit: 10 }), deltas()],
      [admissionSnapshot({ limit: 11 }), deltas()],
    ]);
    expect(agg?.limit).toBe(11);
  });

  it("adds decision deltas and queue waits of every snapshot, older ones included", () => {
    const d = (admitted: number) => deltas({ low: { ...deltas().low, admitted } });
    const agg = aggregate([
      [admissionSnapshot({ at: T0 + 10, queueWait: { ...admissionSnapshot().queueWait, low: sketchOf([4]) } }), d(2)],
      [admissionSnapshot({ at: T0, queueWait: { ...admissionSnapshot().queueWait, low: sketchOf([6]) } }), d(3)],
    ]);
    expect(agg?.decisions.low.admitted).toBe(5);
    expect(agg?.queueWait.low).toMatchObject({ count: 2, sum: 10 });
    expect(agg?.queueWait.normal.count).toBe(6);
  });

  it("fills a priority the sender left out with zero, and keeps leases and K a later sender left out", () => {
    const first = admissionSnapshot({ leases: { active: 1, tokens: 1, slots: 1 }, shards: 3 });
    const partial = { critical: 2 } as AdmissionSnapshot["queued"];
    const later = admissionSnapshot({ at: T0 + 5, queued: partial });
    const agg = aggregate([
      [first, deltas()],
      [later, { critical: {} } as AdmissionSnapshot["decisions"]],
    ]);
    expect(agg?.queued).toEqual({ critical: 2, high: 0, normal: 0, low: 0 });
    expect(agg).toMatchObject({ leases: { slots: 1 }, shards: 3, maxQueued: 4 });
  });
});

describe("mergeBucket: admission", () => {
  const minute = (snap: AdmissionSnapshot, d = deltas()) => {
    const b = emptyBucket(T0, MINUTE);
    addAdmission(b, snap, d);
    return b;
  };

  it("copies a source it has not seen, without sharing it with the minute", () => {
    const into = emptyBucket(T0, 5 * MINUTE);
    const from = minute(admissionSnapshot());
    mergeBucket(into, from);
    expect(into.admission["adm-t1"]).toEqual(from.admission["adm-t1"]);
    from.admission["adm-t1"]!.decisions.normal.admitted = 99;
    expect(into.admission["adm-t1"]?.decisions.normal.admitted).toBe(0);
  });

  it("keeps the later gauges, the larger queue peak, and adds decisions and waits", () => {
    const d = (admitted: number) => deltas({ high: { ...deltas().high, admitted } });
    const old = minute(admissionSnapshot({ at: T0, limit: 5, inflight: 1, loadLevel: "overloaded", queued: { critical: 0, high: 0, normal: 8, low: 0 }, leases: { active: 1, tokens: 1, slots: 1 }, shards: 2 }), d(1));
    const recent = minute(admissionSnapshot({ at: T0 + MINUTE, limit: 7, inflight: 3, loadLevel: "normal", queued: { critical: 0, high: 1, normal: 0, low: 0 }, serviceRatePerSec: 50, completionRatePerSec: 40, leases: { active: 2, tokens: 2, slots: 2 }, shards: 4 }), d(2));
    for (const order of [[old, recent], [recent, old]]) {
      const into = emptyBucket(T0, 5 * MINUTE);
      for (const b of order) mergeBucket(into, b);
      expect(into.admission["adm-t1"]).toMatchObject({
        at: T0 + MINUTE,
        limit: 7,
        inflight: 3,
        loadLevel: "normal",
        queued: { high: 1, normal: 0 },
        serviceRatePerSec: 50,
        completionRatePerSec: 40,
        leases: { active: 2 },
        shards: 4,
        maxQueued: 8,
      });
      expect(into.admission["adm-t1"]?.decisions.high.admitted).toBe(3);
      expect(into.admission["adm-t1"]?.queueWait.normal.count).toBe(6);
    }
  });

  it("keeps leases and K when the later minute has none", () => {
    const withLeases = minute(admissionSnapshot({ at: T0, leases: { active: 1, tokens: 1, slots: 1 }, shards: 2 }));
    const without = minute(admissionSnapshot({ at: T0 + MINUTE }));
    const into = emptyBucket(T0, 5 * MINUTE);
    mergeBucket(into, withLeases);
    mergeBucket(into, without);
    expect(into.admission["adm-t1"]).toMatchObject({ at: T0 + MINUTE, leases: { slots: 1 }, shards: 2 });
  });
});
