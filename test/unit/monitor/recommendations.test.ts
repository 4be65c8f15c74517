import { describe, expect, it } from "vitest";
import { DEFAULT_MONITOR_CONFIG } from "../../../durable-objects/monitor/monitor-config";
import { performanceReport } from "../../../durable-objects/monitor/reports/performance-report";
import type { CacheCounts } from "../../../durable-objects/contracts/telemetry";
import { Windows } from "../../../durable-objects/monitor/windows/windows";
import { batchOf, T0 } from "./support";

function reportWith(cache: Record<string, CacheCounts>, extra: (batch: ReturnType<typeof batchOf>) => void = () => undefined) {
  const w = new Windows();
  const at = T0 + 30_000;
  const batch = batchOf(
    [
      { count: 60, latencyMs: 20, priority: "low", tenant: "busy" },
      { count: 40, latencyMs: 1, status: 503, outcome: "shed", priority: "low", tenant: "busy" },
    ],
    at,
  );
  batch.cache = cache;
  extra(batch);
  w.addBatch(batch, at);
  return performanceReport(w, DEFAULT_MONITOR_CONFIG, [], T0 + 60_000).recommendations;
}

const cacheAdvice = (recs: ReturnType<typeof reportWith>) => recs.filter((r) => r.rule === "cache_thrashing").map((r) => r.subject);

describe("cache recommendation", () => {
  it("tells to raise CACHE_MAX_SIZE for a cache with a low hit ratio whose misses come with evictions", () => {
    const recs = reportWith({ auth: { hits: 30, misses: 70, evictions: 60 } });
    const advice = recs.find((r) => r.rule === "cache_thrashing");
    expect(advice?.subject).toBe("cache auth");
    expect(advice?.message).toContain("CACHE_MAX_SIZE");
    expect(advice?.evidence).toMatchObject({ hitRate: 0.3, evictions: 60, misses: 70 });
  });

  it("says nothing where a bigger cache would not help: misses without evictions (new or expired keys, or caching off)", () => {
    expect(cacheAdvice(reportWith({ stats: { hits: 30, misses: 70, evictions: 0 } }))).toEqual([]);
    expect(cacheAdvice(reportWith({ stats: { hits: 30, misses: 70, evictions: 10 } }))).toEqual([]);
    expect(cacheAdvice(reportWith({ auth: { hits: 0, misses: 500, evictions: 0 } }))).toEqual([]);
  });

  it("says nothing about a cache that hits often or has seen too few lookups", () => {
    expect(cacheAdvice(reportWith({ auth: { hits: 90, misses: 10, evictions: 10 } }))).toEqual([]);
    expect(cacheAdvice(reportWith({ auth: { hits: 10, misses: 40, evictions: 40 } }))).toEqual([]);
  });
});

describe("recommendations name only knobs that act", () => {
  // Vars parsed but not enforced yet (edge scale, resource governor): advice to change them would do nothing.
  const NOT_ENFORCED = ["LOAD_BALANCER_ALGORITHM", "HEALTH_CHECK_INTERVAL", "DB_MAX_CONNECTIONS"];
  const ACTING = ["CACHE_MAX_SIZE", "MEMORY_MAX_CAPACITY", "DB_SLOW_QUERY_THRESHOLD"];

  it("with the rules that give advice firing, each variable named is one that acts", () => {
    const recs = reportWith({ auth: { hits: 10, misses: 190, evictions: 190 } }, (batch) => {
      batch.db.slowByRoute = { "GET /v1/tasks": 2 };
      batch.db.slow = 2;
      batch.errors.admission = 50;
      batch.flush.dropped = 1;
    });
    expect(new Set(recs.map((r) => r.rule))).toEqual(new Set(["cache_thrashing", "slow_queries_by_route", "component_error_rate", "tenant_low_priority_shed", "telemetry_dropped"]));
    const named = recs.flatMap((r) => r.message.match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g) ?? []);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(ACTING).toContain(name);
    for (const name of NOT_ENFORCED) expect(recs.map((r) => r.message).join("\n")).not.toContain(name);
  });
});
