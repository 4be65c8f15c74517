import { describe, expect, it } from "vitest";
import { ANY_TENANT, MAX_SERIES_PER_BUCKET, OTHER_TENANT, addBatch, combine, emptyBucket, mergeBucket, seriesKey, topSlowest } from "../../../durable-objects/monitor/windows/bucket";
import { emptySketch, sketchOf } from "../../../durable-objects/monitor/windows/sketch";
import type { SeriesEntry, SlowQuery, TelemetryBatch } from "../../../durable-objects/contracts/telemetry";
import { handBatch, T0 } from "./support";

const MINUTE = 60_000;

function entry(over: Partial<SeriesEntry> = {}): SeriesEntry {
  return { route: "/v1/tasks", method: "GET", tenant: "t1", priority: "normal", outcome: "success", latency: sketchOf([10, 20]), statuses: { "200": 2 }, ...over };
}

/** A batch written out by hand, so every count in it is known. */
function batch(over: Partial<TelemetryBatch> = {}): TelemetryBatch {
  return handBatch(T0, { source: "iso-a", ...over });
}

describe("emptyBucket", () => {
  it("keeps tenant detail up to one-minute resolution only", () => {
    expect(emptyBucket(T0, MINUTE).tenantDetail).toBe(true);
    expect(emptyBucket(T0, 5 * MINUTE).tenantDetail).toBe(false);
    expect(emptyBucket(T0, 5 * MINUTE, true).tenantDetail).toBe(true);
  });

  it("starts with every counter at zero and every sketch empty", () => {
    const b = emptyBucket(T0, MINUTE);
    expect(b).toEqual({
      start: T0,
      resolutionMs: MINUTE,
      tenantDetail: true,
      series: {},
      tenantOutcomes: {},
      components: { queue: emptySketch(), db: emptySketch(), handler: emptySketch() },
      db: { queries: emptySketch(), slow: 0, errors: 0, slowByRoute: {}, slowest: [] },
      cache: {},
      errors: { api: 0, admission: 0, db: 0, cache: 0 },
      telemetry: { batches: 0, flushFailures: 0, flushDropped: 0, sources: [] },
      admission: {},
    });
  });
});

describe("addBatch", () => {
  it("adds series by labels, summing statuses and merging latency, and counts outcomes per tenant and priority", () => {
    const b = emptyBucket(T0, MINUTE);
    addBatch(b, batch({ series: [entry(), entry({ statuses: { "200": 1, "201": 1 }, latency: sketchOf([30, 40]) })] }));
    const key = seriesKey({ route: "/v1/tasks", method: "GET", tenant: "t1", priority: "normal", outcome: "success" });
    expect(Object.keys(b.series)).toEqual([key]);
    expect(b.series[key]?.statuses).toEqual({ "200": 3, "201": 1 });
    expect(b.series[key]?.latency).toMatchObject({ count: 4, sum: 100, min: 10, max: 40 });
    expect(b.tenantOutcomes).toEqual({ t1: { normal: { success: 4 } } });
  });

  it("does not share the batch's statuses with the bucket", () => {
    const b = emptyBucket(T0, MINUTE);
    const e = entry();
    addBatch(b, batch({ series: [e] }));
    e.statuses["200"] = 99;
    expect(Object.values(b.series)[0]?.statuses).toEqual({ "200": 2 });
  });

  it("sums timing components, database figures, caches, errors and flush counters", () => {
    const b = emptyBucket(T0, MINUTE);
    const slowest = (ms: number): SlowQuery => ({ route: "GET /r", sql: `q${ms}`, ms });
    const one = batch({
      components: { queue: sketchOf([1]), db: sketchOf([2]), handler: sketchOf([3]) },
      db: { queries: sketchOf([5, 6]), slow: 1, errors: 2, slowByRoute: { "GET /r": 1 }, slowest: [slowest(5)] },
      cache: { auth: { hits: 3, misses: 1, evictions: 1 } },
      errors: { api: 1, admission: 2, db: 3, cache: 4 },
      flush: { failures: 2, dropped: 1 },
    });
    addBatch(b, one);
    addBatch(b, { ...one, source: "iso-b", db: { ...one.db, slowest: [slowest(7)] } });
    expect(b.components.queue.count).toBe(2);
    expect(b.components.handler.sum).toBe(6);
    expect(b.db).toMatchObject({ slow: 2, errors: 4, slowByRoute: { "GET /r": 2 }, slowest: [slowest(7), slowest(5)] });
    expect(b.db.queries.count).toBe(4);
    expect(b.cache).toEqual({ auth: { hits: 6, misses: 2, evictions: 2 } });
    expect(b.errors).toEqual({ api: 2, admission: 4, db: 6, cache: 8 });
    expect(b.telemetry).toEqual({ batches: 2, flushFailures: 4, flushDropped: 2, sources: ["iso-a", "iso-b"] });
  });

  it("counts an isolate once however many batches it sends, and stops listing isolates at 1000", () => {
    const b = emptyBucket(T0, MINUTE);
    addBatch(b, batch());
    addBatch(b, batch({ seq: 2 }));
    expect(b.telemetry.sources).toEqual(["iso-a"]);
    for (let i = 0; i < 1100; i++) addBatch(b, batch({ source: `iso-${i}` }));
    expect(b.telemetry.sources).toHaveLength(1000);
    expect(b.telemetry.batches).toBe(1102);
  });

  it("folds further tenants into 'other' once the bucket holds the most series it may, but keeps adding to series it has", () => {
    const b = emptyBucket(T0, MINUTE);
    addBatch(b, batch({ series: Array.from({ length: MAX_SERIES_PER_BUCKET }, (_, i) => entry({ tenant: `t${i}` })) }));
    addBatch(b, batch({ series: [entry({ tenant: "newcomer" }), entry({ tenant: "t0" })] }));
    expect(Object.keys(b.series)).toHaveLength(MAX_SERIES_PER_BUCKET + 1);
    const other = b.series[seriesKey({ route: "/v1/tasks", method: "GET", tenant: OTHER_TENANT, priority: "normal", outcome: "success" })];
    expect(other?.latency.count).toBe(2);
    // The label users see (/metrics, traffic stats): the folded series is tenant "other".
    expect(other?.tenant).toBe("other");
    expect(b.series[seriesKey({ route: "/v1/tasks", method: "GET", tenant: "t0", priority: "normal", outcome: "success" })]?.latency.count).toBe(4);
    // Per-tenant outcome counts are not bounded that way: the newcomer still has its own.
    expect(b.tenantOutcomes.newcomer).toEqual({ normal: { success: 2 } });
  });

  it("drops the tenant from latency series in a bucket without tenant detail", () => {
    const b = emptyBucket(T0, 5 * MINUTE);
    addBatch(b, batch({ series: [entry({ tenant: "a" }), entry({ tenant: "b" })] }));
    expect(Object.values(b.series).map((s) => [s.tenant, s.latency.count])).toEqual([[ANY_TENANT, 4]]);
    expect(Object.keys(b.tenantOutcomes).sort()).toEqual(["a", "b"]);
  });
});

describe("topSlowest", () => {
  it("keeps the ten slowest queries, slowest first", () => {
    const qs = Array.from({ length: 12 }, (_, i) => ({ route: "r", sql: `q${i}`, ms: i }));
    expect(topSlowest(qs).map((q) => q.ms)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
    expect(qs[0]?.ms).toBe(0);
  });
});

describe("mergeBucket and combine", () => {
  it("merge everything a bucket holds, and combine spans the range it is given", () => {
    const a = emptyBucket(T0, MINUTE);
    const b = emptyBucket(T0 + MINUTE, MINUTE);
    addBatch(a, batch({ series: [entry()], errors: { api: 1, admission: 0, db: 0, cache: 2 }, flush: { failures: 1, dropped: 0 }, cache: { c: { hits: 1, misses: 0, evictions: 0 } } }));
    addBatch(b, batch({ source: "iso-b", series: [entry({ priority: "low", outcome: "shed" })], flush: { failures: 0, dropped: 3 }, db: { queries: sketchOf([9]), slow: 1, errors: 1, slowByRoute: { r: 1 }, slowest: [] } }));
    const total = combine([a, b], T0, 2 * MINUTE, false);
    expect(total).toMatchObject({ start: T0, resolutionMs: 2 * MINUTE, tenantDetail: false });
    expect(Object.values(total.series).map((s) => `${s.tenant}/${s.priority}/${s.outcome}`).sort()).toEqual(["*/low/shed", "*/normal/success"]);
    expect(total.tenantOutcomes).toEqual({ t1: { normal: { success: 2 }, low: { shed: 2 } } });
    expect(total.errors).toEqual({ api: 1, admission: 0, db: 0, cache: 2 });
    expect(total.telemetry).toEqual({ batches: 2, flushFailures: 1, flushDropped: 3, sources: ["iso-a", "iso-b"] });
    expect(total.db).toMatchObject({ slow: 1, errors: 1, slowByRoute: { r: 1 } });
    expect(total.cache).toEqual({ c: { hits: 1, misses: 0, evictions: 0 } });
    // The inputs are left as they were.
    expect(a.telemetry.batches).toBe(1);
    expect(combine([a], T0, MINUTE, true).series).toEqual(a.series);
  });
});
