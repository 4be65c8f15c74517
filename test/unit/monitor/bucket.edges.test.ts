import { describe, expect, it } from "vitest";
import { addAdmission, addBatch, emptyBucket, mergeBucket } from "../../../durable-objects/monitor/windows/bucket";
import { emptySketch, sketchOf, type SketchWire } from "../../../durable-objects/monitor/windows/sketch";
import type { RequestPriority } from "../../../durable-objects/contracts/admission";
import { admissionSnapshot, batchOf, T0 } from "./support";

const MINUTE = 60_000;

describe("bucket edges", () => {
  it("takes a snapshot that lacks a priority's queue waits (an older sender's) without failing", () => {
    const snap = admissionSnapshot({ queueWait: { critical: emptySketch(), high: emptySketch(), normal: sketchOf([5, 7]), low: emptySketch() } });
    // Widened on purpose: the wire form is JSON from another isolate, and may not have every key.
    delete (snap.queueWait as Partial<Record<RequestPriority, SketchWire>>).low;
    const b = emptyBucket(T0, MINUTE);
    addAdmission(b, snap, snap.decisions);
    const agg = b.admission[snap.source];
    expect(agg?.queueWait.normal.count).toBe(2);
    expect(agg?.queueWait.low).toEqual(emptySketch());
  });

  it("lets the bucket merged last win the gauges when two reports of one source have the same time", () => {
    // The same rule as addAdmission (a report at the same instant replaces the gauges).
    const older = emptyBucket(T0, MINUTE);
    const newer = emptyBucket(T0, MINUTE);
    const a = admissionSnapshot({ at: T0 + 5000, limit: 10, inflight: 1, loadLevel: "normal" });
    const b = admissionSnapshot({ at: T0 + 5000, limit: 20, inflight: 7, loadLevel: "elevated" });
    addAdmission(older, a, a.decisions);
    addAdmission(newer, b, b.decisions);
    mergeBucket(older, newer);
    expect(older.admission[a.source]).toMatchObject({ limit: 20, inflight: 7, loadLevel: "elevated" });
  });

  it("merges the timing components' sketches", () => {
    const minute = emptyBucket(T0, MINUTE);
    addBatch(minute, batchOf([{ count: 3, latencyMs: 40 }], T0));
    const coarse = emptyBucket(T0, 5 * MINUTE);
    mergeBucket(coarse, minute);
    mergeBucket(coarse, minute);
    // queueMs 1 and dbMs 5 per request (support.batchOf): six requests after two merges.
    expect([coarse.components.queue.count, coarse.components.db.count, coarse.components.handler.count]).toEqual([6, 6, 6]);
    expect([coarse.components.queue.max, coarse.components.db.max]).toEqual([1, 5]);
  });
});
