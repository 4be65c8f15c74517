import { describe, expect, it } from "vitest";
import { addAdmission, addBatch, emptyBucket, type Bucket } from "../../../durable-objects/monitor/windows/bucket";
import { recommend, RULES, type Recommendation } from "../../../durable-objects/monitor/reports/recommendations";
import { emptySketch, sketchOf } from "../../../durable-objects/monitor/windows/sketch";
import { trafficStats } from "../../../durable-objects/monitor/windows/traffic-stats";
import type { RequestOutcome, SeriesEntry, TelemetryBatch } from "../../../durable-objects/contracts/telemetry";
import type { RequestPriority } from "../../../durable-objects/contracts/admission";
import { admissionSnapshot, handBatch, T0 } from "./support";

const HOUR = 3_600_000;

function series(outcome: RequestOutcome, values: number[], over: Partial<SeriesEntry> = {}): SeriesEntry {
  return { route: "/v1/tasks", method: "GET", tenant: "t1", priority: "normal", outcome, latency: sketchOf(values), statuses: {}, ...over };
}

function bucketOf(entries: SeriesEntry[], over: Partial<TelemetryBatch> = {}, start = T0): Bucket {
  const b = emptyBucket(start, HOUR, true);
  addBatch(b, handBatch(start, { series: entries, ...over }));
  return b;
}

/** The recommendations for one hour in `last` (and `previous` before it, for regressions). */
function advise(last: Bucket, previous: Bucket[] = []): Recommendation[] {
  return recommend({ lastHour: trafficStats({ from: T0, to: T0 + HOUR, bucket: last }, 500), lastHourBucket: last, lastHourBuckets: [last], previousHourBuckets: previous });
}

const rules = (recs: Recommendation[]): string[] => recs.map((r) => `${r.rule}:${r.subject}`);
const times = (n: number, ms: number): number[] => Array.from({ length: n }, () => ms);

describe("rule: a tenant's low-priority work shed", () => {
  const lows = (ok: number, shed: number, priority: RequestPriority = "low") => bucketOf([series("success", times(ok, 10), { priority }), series("shed", times(shed, 1), { priority })]);

  it("fires above 5 % of at least 20 low requests, with the figures as evidence", () => {
    const [rec] = advise(lows(18, 2));
    expect(rec).toMatchObject({ rule: "tenant_low_priority_shed", severity: "warning", subject: "tenant t1", evidence: { tenant: "t1", lowPriorityRequests: 20, shed: 2, ratio: 0.1 } });
    expect(rec?.message).toContain("10.0%");
  });

  it("stays quiet at exactly 5 %, under 20 requests, and for other priorities", () => {
    expect(advise(lows(19, 1))).toEqual([]);
    expect(advise(lows(40, 2)).length).toBe(0);
    expect(advise(lows(17, 2))).toEqual([]);
    expect(advise(lows(10, 10, "normal")).filter((r) => r.rule === "tenant_low_priority_shed")).toEqual([]);
  });

  it("counts every capacity refusal as shed, not rate limiting", () => {
    const b = bucketOf([series("success", times(17, 10), { priority: "low" }), series("queue_full", [1], { priority: "low" }), series("deadline", [1], { priority: "low" }), series("rate_limited", [1], { priority: "low" })]);
    expect(advise(b)[0]?.evidence).toMatchObject({ lowPriorityRequests: 20, shed: 2 });
  });
});

describe("rule: p99 regression of a route", () => {
  const hour = (n: number, ms: number, start: number, outcome: RequestOutcome = "success") => bucketOf([series(outcome, times(n, ms))], {}, start);

  it("fires when the p99 is over 1.5 x the hour before's, both hours with at least 50 served", () => {
    const recs = advise(hour(50, 200, T0), [hour(50, 100, T0 - HOUR)]);
    expect(rules(recs)).toEqual(["p99_regression:GET /v1/tasks"]);
    expect(recs[0]?.evidence).toMatchObject({ route: "GET /v1/tasks", requests: 50, previousRequests: 50 });
    expect(recs[0]?.message).toContain("(2.0x)");
  });

  it("stays quiet at 1.5 x, with 49 requests in either hour, without an hour before, or for refusals", () => {
    expect(advise(hour(50, 150, T0), [hour(50, 100, T0 - HOUR)])).toEqual([]);
    expect(advise(hour(49, 200, T0), [hour(50, 100, T0 - HOUR)])).toEqual([]);
    expect(advise(hour(50, 200, T0), [hour(49, 100, T0 - HOUR)])).toEqual([]);
    expect(advise(hour(50, 200, T0))).toEqual([]);
    expect(rules(advise(hour(50, 200, T0, "shed"), [hour(50, 100, T0 - HOUR, "shed")])).filter((r) => r.startsWith("p99"))).toEqual([]);
  });

  it("compares a route with itself only, and stays quiet when the hour before was all zeros", () => {
    const other = bucketOf([series("success", times(50, 10), { route: "/v1/other" })], {}, T0 - HOUR);
    expect(advise(hour(50, 200, T0), [other])).toEqual([]);
    expect(advise(hour(50, 200, T0), [hour(50, 0, T0 - HOUR)])).toEqual([]);
  });

  it("merges the hour's buckets per route", () => {
    const last = [hour(25, 200, T0), hour(25, 200, T0 + 5 * 60_000)];
    const recs = recommend({ lastHour: trafficStats({ from: T0, to: T0 + HOUR, bucket: emptyBucket(T0, HOUR) }, 500), lastHourBucket: emptyBucket(T0, HOUR), lastHourBuckets: last, previousHourBuckets: [hour(50, 100, T0 - HOUR)] });
    expect(rules(recs)).toEqual(["p99_regression:GET /v1/tasks"]);
  });
});

describe("rule: slow queries by route", () => {
  it("names routes with slow queries, most first, with the slowest query when known", () => {
    const b = bucketOf([], { db: { queries: emptySketch(), slow: 5, errors: 0, slowByRoute: { "GET /a": 1, "GET /b": 4, "GET /c": 0 }, slowest: [{ route: "GET /b", sql: "SELECT 1", ms: 1234.4 }] } });
    const recs = advise(b);
    expect(rules(recs)).toEqual(["slow_queries_by_route:GET /b", "slow_queries_by_route:GET /a"]);
    expect(recs[0]).toMatchObject({ severity: "warning", evidence: { route: "GET /b", slowQueries: 4, slowestMs: 1234.4, sql: "SELECT 1" } });
    expect(recs[0]?.message).toContain("slowest 1234 ms: SELECT 1");
    expect(recs[1]).toMatchObject({ evidence: { slowestMs: null, sql: null } });
    expect(recs[1]?.message).not.toContain("slowest");
  });
});

describe("rule: component error rate", () => {
  const withErrors = (admission: number) => bucketOf([series("success", times(100, 10))], { errors: { api: 0, admission, db: 0, cache: 0 } });

  it("warns above 1 % of requests, pages above 5 %, and says nothing at 1 %", () => {
    expect(advise(withErrors(1))).toEqual([]);
    expect(advise(withErrors(2))[0]).toMatchObject({ rule: "component_error_rate", severity: "warning", subject: "admission", evidence: { component: "admission", errorRate: 0.02 } });
    expect(advise(withErrors(5))[0]?.severity).toBe("warning");
    expect(advise(withErrors(6))[0]?.severity).toBe("critical");
  });
});

describe("rule: cache thrashing", () => {
  const cache = (hits: number, misses: number, evictions: number) => advise(bucketOf([], { cache: { c: { hits, misses, evictions } } })).filter((r) => r.rule === "cache_thrashing");

  it("fires at 100 lookups under an 80 % hit rate with an eviction for at least every other miss", () => {
    expect(cache(79, 21, 11)).toHaveLength(1);
    expect(cache(79, 21, 11)[0]).toMatchObject({ severity: "info", subject: "cache c", evidence: { cache: "c", hitRate: 0.79, evictions: 11, misses: 21 } });
    expect(cache(79, 20, 10)).toHaveLength(0);
    expect(cache(80, 20, 20)).toHaveLength(0);
    expect(cache(79, 22, 10)).toHaveLength(0);
    expect(cache(78, 22, 11)).toHaveLength(1);
  });
});

describe("rule: tenant at its concurrency limit", () => {
  const tenant = (over: Parameters<typeof admissionSnapshot>[0]) => {
    const b = bucketOf([]);
    const snap = admissionSnapshot(over);
    addAdmission(b, snap, snap.decisions);
    return advise(b).filter((r) => r.rule === "tenant_at_concurrency_limit");
  };

  it("fires when every slot is busy and requests queued", () => {
    const [rec] = tenant({ limit: 4, inflight: 4 });
    expect(rec).toMatchObject({ severity: "info", subject: "tenant t1", evidence: { tenant: "t1", limit: 4, inflight: 4, maxQueued: 4 } });
  });

  it("stays quiet with a slot free, nothing queued, or no limit", () => {
    expect(tenant({ limit: 4, inflight: 3 })).toEqual([]);
    expect(tenant({ limit: 4, inflight: 4, queued: { critical: 0, high: 0, normal: 0, low: 0 } })).toEqual([]);
    expect(tenant({ limit: 0, inflight: 0 })).toEqual([]);
  });
});

describe("rule: telemetry dropped", () => {
  it("warns with the drops and failures, and says nothing without drops", () => {
    expect(advise(bucketOf([], { flush: { failures: 3, dropped: 2 } }))).toEqual([
      { rule: "telemetry_dropped", severity: "warning", subject: "telemetry", message: "2 telemetry batches were dropped after a failed retry in the last hour: the figures above undercount.", evidence: { dropped: 2, failures: 3 } },
    ]);
    expect(advise(bucketOf([], { flush: { failures: 3, dropped: 0 } }))).toEqual([]);
  });

  it("keeps its thresholds where the rules above assume them", () => {
    expect(RULES).toMatchObject({ lowPriorityShedRatio: 0.05, p99RegressionFactor: 1.5, p99RegressionMinRequests: 50, componentErrorRate: 0.01, cacheHitRateFloor: 0.8, minCacheLookups: 100, cacheEvictionsPerMiss: 0.5 });
  });
});
