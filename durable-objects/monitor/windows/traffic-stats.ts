/**
 * Figures over a window: rates, percentiles, error rates by component, goodput, shed ratio,
 * admission queues and cache rates. Pure functions of a merged bucket.
 */
import { REQUEST_PRIORITIES, type RequestPriority } from "../../contracts/admission";
import type { Bucket } from "./bucket";
import { ERROR_COMPONENTS, REQUEST_OUTCOMES, SHED_OUTCOMES, TIMING_COMPONENTS, type ErrorComponent, type RequestOutcome, type SeriesEntry, type SlowQuery, type TimingComponent } from "../../contracts/telemetry";
import { sum } from "../../numeric/sum";
import { SketchBuilder, summarize, type QuantileSummary, type SketchWire } from "./sketch";
import type { WindowView } from "./windows";

/** Outcomes where the handler ran: their latency is the service's latency. */
export const SERVED_OUTCOMES: readonly RequestOutcome[] = ["success", "client_error", "server_error"];

export interface PriorityStats {
  requests: number;
  rps: number;
  errorRate: number;
  shedRatio: number;
  rateLimitedRatio: number;
  latencyMs: QuantileSummary | null;
}

export interface TenantAdmissionStats {
  tenant: string;
  limit: number;
  inflight: number;
  queued: Record<RequestPriority, number>;
  maxQueued: number;
  loadLevel: string;
  serviceRatePerSec: number | null;
  completionRatePerSec: number;
  decisions: Record<RequestPriority, Record<string, number>>;
  queueWaitMs: Record<RequestPriority, QuantileSummary | null>;
}

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
  hitRate: number | null;
  evictionsPerSec: number;
}

export interface TrafficStats {
  from: number;
  to: number;
  seconds: number;
  requests: number;
  rps: number;
  rpm: number;
  outcomes: Record<RequestOutcome, number>;
  /** Latency of requests whose handler ran (refusals are fast and would flatter the figures). */
  latencyMs: QuantileSummary | null;
  /** Share of requests that failed on the server side (5xx from the handler, plus shed). */
  errorRate: number;
  errorRateByComponent: Record<ErrorComponent, number>;
  /** Successful responses within the latency objective, per second. */
  goodputRps: number;
  /** queue_full + shed + deadline over all requests. */
  shedRatio: number;
  rateLimitedRatio: number;
  byPriority: Record<RequestPriority | "none", PriorityStats>;
  components: Record<TimingComponent, QuantileSummary | null>;
  db: { queriesMs: QuantileSummary | null; queriesPerSec: number; slow: number; errors: number; slowByRoute: Record<string, number>; slowest: SlowQuery[] };
  cache: Record<string, CacheStats>;
  admission: TenantAdmissionStats[];
  telemetry: { batches: number; isolates: number; flushFailures: number; flushDropped: number };
}

const ratio = (n: number, d: number): number => (d > 0 ? n / d : 0);

export const seriesCount = (s: SeriesEntry): number => s.latency.count;

export function outcomeCounts(series: Iterable<SeriesEntry>): Record<RequestOutcome, number> {
  const out = Object.fromEntries(REQUEST_OUTCOMES.map((o) => [o, 0])) as Record<RequestOutcome, number>;
  for (const s of series) out[s.outcome] += seriesCount(s);
  return out;
}

const shedOf = (o: Record<RequestOutcome, number>): number => sum(SHED_OUTCOMES.map((k) => o[k]));
const badOf = (o: Record<RequestOutcome, number>): number => o.server_error + shedOf(o);

function mergedLatency(series: Iterable<SeriesEntry>, outcomes: readonly RequestOutcome[]): SketchBuilder {
  const b = new SketchBuilder();
  for (const s of series) if (outcomes.includes(s.outcome)) b.merge(s.latency);
  return b;
}

function priorityStats(series: SeriesEntry[], seconds: number): PriorityStats {
  const o = outcomeCounts(series);
  const requests = sum(Object.values(o));
  return {
    requests,
    rps: ratio(requests, seconds),
    errorRate: ratio(badOf(o), requests),
    shedRatio: ratio(shedOf(o), requests),
    rateLimitedRatio: ratio(o.rate_limited, requests),
    latencyMs: summarize(mergedLatency(series, SERVED_OUTCOMES).toWire()),
  };
}

function admissionByTenant(bucket: Bucket): TenantAdmissionStats[] {
  const byTenant = new Map<string, TenantAdmissionStats & { waits: Record<RequestPriority, SketchBuilder> }>();
  for (const a of Object.values(bucket.admission)) {
    let t = byTenant.get(a.tenant);
    if (!t) {
      t = {
        tenant: a.tenant,
        limit: 0,
        inflight: 0,
        queued: { critical: 0, high: 0, normal: 0, low: 0 },
        maxQueued: 0,
        loadLevel: "normal",
        serviceRatePerSec: null,
        completionRatePerSec: 0,
        decisions: { critical: {}, high: {}, normal: {}, low: {} },
        queueWaitMs: { critical: null, high: null, normal: null, low: null },
        waits: { critical: new SketchBuilder(), high: new SketchBuilder(), normal: new SketchBuilder(), low: new SketchBuilder() },
      };
      byTenant.set(a.tenant, t);
    }
    // A tenant may be served by several shards: gauges and rates add up.
    t.limit += a.limit;
    t.inflight += a.inflight;
    t.maxQueued += a.maxQueued;
    t.completionRatePerSec += a.completionRatePerSec;
    if (a.serviceRatePerSec !== null) t.serviceRatePerSec = (t.serviceRatePerSec ?? 0) + a.serviceRatePerSec;
    if (a.loadLevel === "overloaded" || (a.loadLevel === "elevated" && t.loadLevel === "normal")) t.loadLevel = a.loadLevel;
    for (const p of REQUEST_PRIORITIES) {
      t.queued[p] += a.queued[p] ?? 0;
      for (const [d, n] of Object.entries(a.decisions[p] ?? {})) t.decisions[p][d] = (t.decisions[p][d] ?? 0) + (n ?? 0);
      t.waits[p].merge(a.queueWait[p]);
    }
  }
  return [...byTenant.values()].map(({ waits, ...t }) => {
    for (const p of REQUEST_PRIORITIES) t.queueWaitMs[p] = summarize(waits[p].toWire());
    return t;
  });
}

/** `latencyObjectiveMs`: a success slower than this is not goodput. */
export function trafficStats(view: WindowView, latencyObjectiveMs: number): TrafficStats {
  const { bucket } = view;
  const seconds = Math.max(1, (view.to - view.from) / 1000);
  const series = Object.values(bucket.series);
  const outcomes = outcomeCounts(series);
  const requests = sum(Object.values(outcomes));
  const success = mergedLatency(series, ["success"]);
  const good = success.count - success.countAbove(latencyObjectiveMs);
  const componentErrors: Record<ErrorComponent, number> = { api: outcomes.server_error, admission: bucket.errors.admission, db: bucket.db.errors, cache: bucket.errors.cache };
  const byPriority = Object.fromEntries(
    [...REQUEST_PRIORITIES, "none" as const].map((p) => [p, priorityStats(series.filter((s) => s.priority === p), seconds)]),
  ) as Record<RequestPriority | "none", PriorityStats>;
  const cache = Object.fromEntries(
    Object.entries(bucket.cache).map(([name, c]) => [name, { ...c, hitRate: c.hits + c.misses > 0 ? c.hits / (c.hits + c.misses) : null, evictionsPerSec: c.evictions / seconds }]),
  );
  return {
    from: view.from,
    to: view.to,
    seconds,
    requests,
    rps: requests / seconds,
    rpm: (requests / seconds) * 60,
    outcomes,
    latencyMs: summarize(mergedLatency(series, SERVED_OUTCOMES).toWire()),
    errorRate: ratio(badOf(outcomes), requests),
    errorRateByComponent: Object.fromEntries(ERROR_COMPONENTS.map((c) => [c, ratio(componentErrors[c], requests)])) as Record<ErrorComponent, number>,
    goodputRps: good / seconds,
    shedRatio: ratio(shedOf(outcomes), requests),
    rateLimitedRatio: ratio(outcomes.rate_limited, requests),
    byPriority,
    components: Object.fromEntries(TIMING_COMPONENTS.map((c) => [c, summarize(bucket.components[c])])) as Record<TimingComponent, QuantileSummary | null>,
    db: {
      queriesMs: summarize(bucket.db.queries),
      queriesPerSec: bucket.db.queries.count / seconds,
      slow: bucket.db.slow,
      errors: bucket.db.errors,
      slowByRoute: bucket.db.slowByRoute,
      slowest: bucket.db.slowest,
    },
    cache,
    admission: admissionByTenant(bucket),
    telemetry: { batches: bucket.telemetry.batches, isolates: bucket.telemetry.sources.length, flushFailures: bucket.telemetry.flushFailures, flushDropped: bucket.telemetry.flushDropped },
  };
}

/** The counts an SLO needs from one bucket, cheap enough to sum over three days of buckets. */
export interface SloCounts {
  /** Requests that count for availability (everything but 429s, which are the client's budget). */
  valid: number;
  /** Server errors and shed requests. */
  failed: number;
  /** Requests whose handler ran. */
  served: number;
  /** Served requests slower than the latency objective. */
  slow: number;
}

// Wire forms are never mutated (merges make new ones), so a count per (wire, threshold) can be memoised.
const aboveMemo = new WeakMap<SketchWire, Map<number, number>>();
function countAbove(wire: SketchWire, thresholdMs: number): number {
  let m = aboveMemo.get(wire);
  if (!m) aboveMemo.set(wire, (m = new Map()));
  let n = m.get(thresholdMs);
  if (n === undefined) {
    const b = new SketchBuilder();
    b.merge(wire);
    n = b.countAbove(thresholdMs);
    m.set(thresholdMs, n);
  }
  return n;
}

export function sloCounts(buckets: Iterable<Bucket>, latencyObjectiveMs: number): SloCounts {
  const c: SloCounts = { valid: 0, failed: 0, served: 0, slow: 0 };
  for (const b of buckets) {
    for (const s of Object.values(b.series)) {
      const n = seriesCount(s);
      if (s.outcome !== "rate_limited") c.valid += n;
      if (s.outcome === "server_error" || SHED_OUTCOMES.includes(s.outcome)) c.failed += n;
      if (SERVED_OUTCOMES.includes(s.outcome)) {
        c.served += n;
        c.slow += countAbove(s.latency, latencyObjectiveMs);
      }
    }
  }
  return c;
}
