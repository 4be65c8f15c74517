/**
 * Report recommendations, each from one explicit rule over the last hour (and the hour
 * before, for regressions). A rule that has no evidence says nothing.
 */
import type { Bucket } from "../windows/bucket";
import { SHED_OUTCOMES, type RequestOutcome } from "../../contracts/telemetry";
import { SketchBuilder } from "../windows/sketch";
import { SERVED_OUTCOMES, type TrafficStats } from "../windows/traffic-stats";

export interface Recommendation {
  rule: string;
  severity: "info" | "warning" | "critical";
  subject: string;
  message: string;
  evidence: Record<string, number | string | null>;
}

export const RULES = {
  /** A tenant losing more than this share of its low-priority requests to shedding. */
  lowPriorityShedRatio: 0.05,
  /** p99 of a route this many times its previous-hour p99 is a regression... */
  p99RegressionFactor: 1.5,
  /** ...if both hours saw at least this many served requests (otherwise it is noise). */
  p99RegressionMinRequests: 50,
  componentErrorRate: 0.01,
  cacheHitRateFloor: 0.8,
  minCacheLookups: 100,
  /**
   * A cache whose misses mostly come with an eviction is full and churning: more room would
   * turn them into hits. Misses without evictions are new or expired keys (or CACHE_STRATEGY
   * off), which a bigger cache would not help.
   */
  cacheEvictionsPerMiss: 0.5,
} as const;

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function lowPriorityShedding(bucket: Bucket): Recommendation[] {
  const out: Recommendation[] = [];
  for (const [tenant, byPriority] of Object.entries(bucket.tenantOutcomes)) {
    const low: Partial<Record<RequestOutcome, number>> = byPriority.low ?? {};
    const total = Object.values(low).reduce((a, n) => a + (n ?? 0), 0);
    const shed = SHED_OUTCOMES.reduce((a, k) => a + (low[k] ?? 0), 0);
    if (total >= 20 && shed / total > RULES.lowPriorityShedRatio) {
      out.push({
        rule: "tenant_low_priority_shed",
        severity: "warning",
        subject: `tenant ${tenant}`,
        message: `Tenant ${tenant} had ${pct(shed / total)} of its low-priority requests shed in the last hour: raise its maxConcurrency or queueSize if the capacity exists, or ask it to spread low-priority work.`,
        evidence: { tenant, lowPriorityRequests: total, shed, ratio: shed / total },
      });
    }
  }
  return out;
}

function servedByRoute(buckets: Bucket[]): Map<string, SketchBuilder> {
  const m = new Map<string, SketchBuilder>();
  for (const b of buckets) {
    for (const s of Object.values(b.series)) {
      if (!SERVED_OUTCOMES.includes(s.outcome)) continue;
      const key = `${s.method} ${s.route}`;
      let sk = m.get(key);
      if (!sk) m.set(key, (sk = new SketchBuilder()));
      sk.merge(s.latency);
    }
  }
  return m;
}

function p99Regressions(lastHour: Bucket[], previousHour: Bucket[]): Recommendation[] {
  const now = servedByRoute(lastHour);
  const before = servedByRoute(previousHour);
  const out: Recommendation[] = [];
  for (const [route, sk] of now) {
    const prev = before.get(route);
    if (!prev || sk.count < RULES.p99RegressionMinRequests || prev.count < RULES.p99RegressionMinRequests) continue;
    const p99 = sk.quantile(0.99);
    const prevP99 = prev.quantile(0.99);
    if (prevP99 > 0 && p99 > prevP99 * RULES.p99RegressionFactor) {
      out.push({
        rule: "p99_regression",
        severity: "warning",
        subject: route,
        message: `${route}: p99 ${Math.round(p99)} ms in the last hour against ${Math.round(prevP99)} ms the hour before (${(p99 / prevP99).toFixed(1)}x). Look at its slow queries and at recent deploys.`,
        evidence: { route, p99Ms: p99, previousP99Ms: prevP99, requests: sk.count, previousRequests: prev.count },
      });
    }
  }
  return out;
}

function slowQueries(stats: TrafficStats): Recommendation[] {
  return Object.entries(stats.db.slowByRoute)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([route, n]) => {
      const slowest = stats.db.slowest.find((q) => q.route === route);
      return {
        rule: "slow_queries_by_route",
        severity: "warning" as const,
        subject: route,
        message: `${route} ran ${n} queries over DB_SLOW_QUERY_THRESHOLD in the last hour${slowest ? `; slowest ${Math.round(slowest.ms)} ms: ${slowest.sql}` : ""}. Check its query plan (EXPLAIN QUERY PLAN) for a missing index.`,
        evidence: { route, slowQueries: n, slowestMs: slowest?.ms ?? null, sql: slowest?.sql ?? null },
      };
    });
}

function componentErrors(stats: TrafficStats): Recommendation[] {
  return Object.entries(stats.errorRateByComponent)
    .filter(([, r]) => r > RULES.componentErrorRate)
    .map(([component, r]) => ({
      rule: "component_error_rate",
      severity: r > 0.05 ? ("critical" as const) : ("warning" as const),
      subject: component,
      message: `${component} errors on ${pct(r)} of requests in the last hour; see the Worker's logs for that component.`,
      evidence: { component, errorRate: r },
    }));
}

function cacheEfficiency(stats: TrafficStats): Recommendation[] {
  return Object.entries(stats.cache)
    .filter(([, c]) => c.hits + c.misses >= RULES.minCacheLookups && c.hitRate !== null && c.hitRate < RULES.cacheHitRateFloor && c.evictions >= RULES.cacheEvictionsPerMiss * c.misses)
    .map(([name, c]) => ({
      rule: "cache_thrashing",
      severity: "info" as const,
      subject: `cache ${name}`,
      message: `Cache ${name} hit ${pct(c.hitRate ?? 0)} of lookups and evicted ${c.evictions} entries for ${c.misses} misses in the last hour: it is too small for what is asked of it. Raise CACHE_MAX_SIZE (entries per cache), or MEMORY_MAX_CAPACITY if its entries are large.`,
      evidence: { cache: name, hitRate: c.hitRate, evictions: c.evictions, misses: c.misses },
    }));
}

function saturatedTenants(stats: TrafficStats): Recommendation[] {
  return stats.admission
    .filter((t) => t.limit > 0 && t.maxQueued > 0 && t.inflight >= t.limit)
    .map((t) => ({
      rule: "tenant_at_concurrency_limit",
      severity: "info" as const,
      subject: `tenant ${t.tenant}`,
      message: `Tenant ${t.tenant} is using its whole concurrency limit (${t.limit}) with requests queued (up to ${t.maxQueued}); the limit is learned from latency, so this is the database's pace for its work.`,
      evidence: { tenant: t.tenant, limit: t.limit, inflight: t.inflight, maxQueued: t.maxQueued },
    }));
}

function telemetryLoss(stats: TrafficStats): Recommendation[] {
  if (stats.telemetry.flushDropped === 0) return [];
  return [
    {
      rule: "telemetry_dropped",
      severity: "warning",
      subject: "telemetry",
      message: `${stats.telemetry.flushDropped} telemetry batches were dropped after a failed retry in the last hour: the figures above undercount.`,
      evidence: { dropped: stats.telemetry.flushDropped, failures: stats.telemetry.flushFailures },
    },
  ];
}

export interface RecommendationInput {
  lastHour: TrafficStats;
  lastHourBucket: Bucket;
  /** Route-level buckets of the last hour and of the hour before it, for regressions. */
  lastHourBuckets: Bucket[];
  previousHourBuckets: Bucket[];
}

export function recommend(input: RecommendationInput): Recommendation[] {
  return [
    ...componentErrors(input.lastHour),
    ...lowPriorityShedding(input.lastHourBucket),
    ...p99Regressions(input.lastHourBuckets, input.previousHourBuckets),
    ...slowQueries(input.lastHour),
    ...saturatedTenants(input.lastHour),
    ...cacheEfficiency(input.lastHour),
    ...telemetryLoss(input.lastHour),
  ];
}
