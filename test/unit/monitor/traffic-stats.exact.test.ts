import { describe, expect, it } from "vitest";
import { addAdmission, addBatch, emptyBucket, type Bucket } from "../../../durable-objects/monitor/windows/bucket";
import { sketchOf } from "../../../durable-objects/monitor/windows/sketch";
import { outcomeCounts, sloCounts, trafficStats } from "../../../durable-objects/monitor/windows/traffic-stats";
import type { RequestOutcome, SeriesEntry, TelemetryBatch } from "../../../durable-objects/contracts/telemetry";
import type { RequestPriority } from "../../../durable-objects/contracts/admission";
import { admissionSnapshot, handBatch, T0 } from "./support";

const MINUTE = 60_000;

/** `n` requests of one outcome, all `ms` long. */
function series(outcome: RequestOutcome, n: number, ms: number, priority: RequestPriority | "none" = "normal"): SeriesEntry {
  return { route: "/v1/tasks", method: "GET", tenant: "t1", priority, outcome, latency: sketchOf(Array.from({ length: n }, () => ms)), statuses: {} };
}

function bucketOf(entries: SeriesEntry[], over: Partial<TelemetryBatch> = {}): Bucket {
  const b = emptyBucket(T0, MINUTE);
  addBatch(b, handBatch(T0, { series: entries, ...over }));
  return b;
}

const view = (bucket: Bucket, seconds = 10) => ({ from: T0, to: T0 + seconds * 1000, bucket });

describe("trafficStats: rates and ratios", () => {
  // 100 requests in 10 s: 60 fast successes, 10 slow ones, 10 server errors, 5 shed, 5 deadline, 5 rate limited, 5 client errors.
  // Built inside each test, not at describe time: Stryker's per-test coverage does not see code
  // run while collecting tests, and would not rerun these tests for mutants only they reach.
  const stats = () => trafficStats(view(bucketOf([
    series("success", 60, 20),
    series("success", 10, 900),
    series("server_error", 10, 30),
    series("shed", 5, 1, "low"),
    series("deadline", 5, 1, "low"),
    series("rate_limited", 5, 1, "none"),
    series("client_error", 5, 40),
  ], { errors: { api: 0, admission: 4, db: 0, cache: 2 }, db: { queries: sketchOf([1, 2, 3, 4]), slow: 1, errors: 3, slowByRoute: { "GET /x": 1 }, slowest: [] } })), 500);

  it("divides by the true span in seconds", () => {
    const s = stats();
    expect(s).toMatchObject({ from: T0, to: T0 + 10_000, seconds: 10, requests: 100, rps: 10, rpm: 600 });
  });

  it("counts shed and server errors as errors, and refusals of capacity as shed", () => {
    const s = stats();
    expect(s.errorRate).toBeCloseTo(0.2, 12);
    expect(s.shedRatio).toBeCloseTo(0.1, 12);
    expect(s.rateLimitedRatio).toBeCloseTo(0.05, 12);
    expect(s.outcomes).toEqual({ success: 70, client_error: 5, server_error: 10, rate_limited: 5, queue_full: 0, shed: 5, deadline: 5 });
  });

  it("splits errors by component over all requests", () => {
    const s = stats();
    expect(s.errorRateByComponent).toEqual({ api: 0.1, admission: 0.04, db: 0.03, cache: 0.02 });
  });

  it("counts as goodput only successes within the objective", () => {
    const s = stats();
    expect(s.goodputRps).toBe(6);
  });

  it("takes latency over served requests only: refusals are fast and would flatter it", () => {
    const s = stats();
    expect(s.latencyMs).toMatchObject({ count: 85, min: 20, max: 900 });
  });

  it("breaks the figures down by priority, requests without one included", () => {
    const s = stats();
    expect(s.byPriority.low).toMatchObject({ requests: 10, rps: 1, errorRate: 1, shedRatio: 1, rateLimitedRatio: 0, latencyMs: null });
    expect(s.byPriority.none).toMatchObject({ requests: 5, rateLimitedRatio: 1, errorRate: 0 });
    expect(s.byPriority.normal).toMatchObject({ requests: 85, errorRate: 10 / 85, shedRatio: 0 });
    expect(s.byPriority.critical).toEqual({ requests: 0, rps: 0, errorRate: 0, shedRatio: 0, rateLimitedRatio: 0, latencyMs: null });
  });

  it("reports the database per second and as summed", () => {
    const s = stats();
    expect(s.db).toMatchObject({ queriesPerSec: 0.4, slow: 1, errors: 3, slowByRoute: { "GET /x": 1 }, slowest: [] });
    expect(s.db.queriesMs).toMatchObject({ count: 4, min: 1, max: 4 });
  });
});

describe("trafficStats: edges", () => {
  it("has zero rates and no latency over an empty window, and counts a span under a second as one second", () => {
    const s = trafficStats({ from: T0, to: T0 + 200, bucket: emptyBucket(T0, MINUTE) }, 500);
    expect(s).toMatchObject({ seconds: 1, requests: 0, rps: 0, errorRate: 0, shedRatio: 0, rateLimitedRatio: 0, goodputRps: 0, latencyMs: null });
    expect(s.components).toEqual({ queue: null, db: null, handler: null });
    expect(s.telemetry).toEqual({ batches: 0, isolates: 0, flushFailures: 0, flushDropped: 0 });
  });

  it("gives a cache's hit rate over its lookups, none without any, and its evictions per second", () => {
    const b = bucketOf([], { cache: { hot: { hits: 3, misses: 1, evictions: 5 }, cold: { hits: 0, misses: 0, evictions: 0 } }, flush: { failures: 2, dropped: 1 } });
    const s = trafficStats(view(b), 500);
    expect(s.cache).toEqual({ hot: { hits: 3, misses: 1, evictions: 5, hitRate: 0.75, evictionsPerSec: 0.5 }, cold: { hits: 0, misses: 0, evictions: 0, hitRate: null, evictionsPerSec: 0 } });
    expect(s.telemetry).toEqual({ batches: 1, isolates: 1, flushFailures: 2, flushDropped: 1 });
  });

  it("reads a cache that only missed as a 0 % hit rate, not as one without lookups", () => {
    // Hits and misses are added, not subtracted: equal counts are a 50 % rate, misses alone 0 %.
    const b = bucketOf([], { cache: { missing: { hits: 0, misses: 4, evictions: 0 }, even: { hits: 3, misses: 3, evictions: 0 } } });
    const { cache } = trafficStats(view(b), 500);
    expect([cache.missing?.hitRate, cache.even?.hitRate]).toEqual([0, 0.5]);
  });
});

describe("trafficStats: admission by tenant", () => {
  it("adds up the gauges and rates of a tenant's shards and takes the worst load level", () => {
    const b = emptyBucket(T0, MINUTE);
    const snaps = [
      admissionSnapshot({ source: "a", limit: 10, inflight: 2, loadLevel: "elevated", serviceRatePerSec: null, completionRatePerSec: 5 }),
      admissionSnapshot({ source: "b", limit: 4, inflight: 1, loadLevel: "normal", serviceRatePerSec: 30, completionRatePerSec: 6 }),
      admissionSnapshot({ source: "c", limit: 6, inflight: 3, loadLevel: "overloaded", serviceRatePerSec: 20, completionRatePerSec: 7 }),
      admissionSnapshot({ source: "d", limit: 1, inflight: 0, loadLevel: "elevated", serviceRatePerSec: null, completionRatePerSec: 0 }),
      admissionSnapshot({ source: "other", tenant: "t2", loadLevel: "normal", serviceRatePerSec: null }),
    ];
    for (const snap of snaps) addAdmission(b, snap, snap.decisions);
    const [t1, t2] = trafficStats(view(b), 500).admission;
    expect(t1).toMatchObject({ tenant: "t1", limit: 21, inflight: 6, maxQueued: 16, loadLevel: "overloaded", serviceRatePerSec: 50, completionRatePerSec: 18, queued: { critical: 0, high: 0, normal: 12, low: 4 } });
    expect(t1?.decisions.normal.admitted).toBe(20);
    expect(t1?.decisions.low).toMatchObject({ admitted: 4, shed: 8 });
    expect(t1?.queueWaitMs.normal).toMatchObject({ count: 12, min: 5, max: 15 });
    expect(t1?.queueWaitMs.low).toBeNull();
    expect(t2).toMatchObject({ tenant: "t2", loadLevel: "normal", serviceRatePerSec: null });
  });

  it("reads elevated for a tenant whose only shards are elevated, and never lowers overloaded", () => {
    const level = (levels: Array<"normal" | "elevated" | "overloaded">) => {
      const b = emptyBucket(T0, MINUTE);
      levels.forEach((loadLevel, i) => addAdmission(b, admissionSnapshot({ source: `s${i}`, loadLevel }), admissionSnapshot().decisions));
      return trafficStats(view(b), 500).admission[0]?.loadLevel;
    };
    expect(level(["normal", "elevated", "normal"])).toBe("elevated");
    expect(level(["overloaded", "elevated"])).toBe("overloaded");
    expect(level(["normal"])).toBe("normal");
  });
});

describe("sloCounts", () => {
  it("counts everything but 429s as valid, server errors and shed as failed, and served requests slower than the objective", () => {
    const b = bucketOf([series("success", 6, 20), series("success", 2, 900), series("server_error", 1, 800), series("client_error", 1, 10), series("shed", 3, 1), series("queue_full", 1, 1), series("rate_limited", 4, 1)]);
    const c = sloCounts([b, b], 500);
    expect(c).toEqual({ valid: 2 * 14, failed: 2 * 5, served: 2 * 10, slow: 2 * 3 });
    // The same wire form asked again for another objective is not answered from the first one.
    expect(sloCounts([b], 850).slow).toBe(2);
  });

  it("counts outcomes over series", () => {
    expect(outcomeCounts([series("shed", 2, 1), series("shed", 3, 1)]).shed).toBe(5);
  });
});
