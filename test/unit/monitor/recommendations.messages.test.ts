import { describe, expect, it } from "vitest";
import { addAdmission, addBatch, emptyBucket, type Bucket } from "../../../durable-objects/monitor/windows/bucket";
import { recommend, type Recommendation } from "../../../durable-objects/monitor/reports/recommendations";
import { emptySketch, sketchOf } from "../../../durable-objects/monitor/windows/sketch";
import { trafficStats } from "../../../durable-objects/monitor/windows/traffic-stats";
import type { SeriesEntry, TelemetryBatch } from "../../../durable-objects/contracts/telemetry";
import { admissionSnapshot, handBatch, T0 } from "./support";

// The messages are what an operator reads on /admin/performance: each names the figures that
// fired the rule, so they are pinned word for word (recommendations.rules.test.ts pins when rules fire).
const HOUR = 3_600_000;

const served = (n: number, ms: number): SeriesEntry => ({
  route: "/v1/tasks",
  method: "GET",
  tenant: "t1",
  priority: "normal",
  outcome: "success",
  latency: sketchOf(Array.from({ length: n }, () => ms)),
  statuses: {},
});

function hourOf(series: SeriesEntry[], over: Partial<TelemetryBatch> = {}, start = T0): Bucket {
  const b = emptyBucket(start, HOUR, true);
  addBatch(b, handBatch(start, { series, ...over }));
  return b;
}

const advise = (last: Bucket, previous: Bucket[] = []): Recommendation[] =>
  recommend({ lastHour: trafficStats({ from: T0, to: T0 + HOUR, bucket: last }, 500), lastHourBucket: last, lastHourBuckets: [last], previousHourBuckets: previous });

const only = (recs: Recommendation[], rule: string): Recommendation => {
  const found = recs.filter((r) => r.rule === rule);
  expect(found).toHaveLength(1);
  return found[0] as Recommendation;
};

describe("recommendation messages", () => {
  it("p99 regression: a warning with both p99s and their ratio", () => {
    const rec = only(advise(hourOf([served(50, 200)]), [hourOf([served(50, 100)], {}, T0 - HOUR)]), "p99_regression");
    expect(rec.severity).toBe("warning");
    expect(rec.message).toBe("GET /v1/tasks: p99 200 ms in the last hour against 100 ms the hour before (2.0x). Look at its slow queries and at recent deploys.");
  });

  it("slow queries: without a known slowest query the sentence ends after the count", () => {
    const b = hourOf([], { db: { queries: emptySketch(), slow: 3, errors: 0, slowByRoute: { "GET /a": 3 }, slowest: [] } });
    expect(only(advise(b), "slow_queries_by_route").message).toBe("GET /a ran 3 queries over DB_SLOW_QUERY_THRESHOLD in the last hour. Check its query plan (EXPLAIN QUERY PLAN) for a missing index.");
  });

  it("component errors: the component and its share of requests", () => {
    const b = hourOf([served(100, 10)], { errors: { api: 0, admission: 2, db: 0, cache: 0 } });
    expect(only(advise(b), "component_error_rate").message).toBe("admission errors on 2.0% of requests in the last hour; see the Worker's logs for that component.");
  });

  it("cache thrashing: the hit rate, evictions and misses", () => {
    const b = hourOf([], { cache: { c: { hits: 79, misses: 21, evictions: 11 } } });
    expect(only(advise(b), "cache_thrashing").message).toBe(
      "Cache c hit 79.0% of lookups and evicted 11 entries for 21 misses in the last hour: it is too small for what is asked of it. Raise CACHE_MAX_SIZE (entries per cache), or MEMORY_MAX_CAPACITY if its entries are large.",
    );
  });

  it("tenant at its limit: the limit and the deepest queue", () => {
    const b = hourOf([]);
    const snap = admissionSnapshot({ limit: 4, inflight: 4 });
    addAdmission(b, snap, snap.decisions);
    expect(only(advise(b), "tenant_at_concurrency_limit").message).toBe(
      "Tenant t1 is using its whole concurrency limit (4) with requests queued (up to 4); the limit is learned from latency, so this is the database's pace for its work.",
    );
  });
});
