/**
 * One time bucket of the Monitor's windows: everything that arrived in [start, start + resolutionMs).
 * Buckets merge associatively and commutatively, so a 5-minute bucket is the merge of its
 * minutes and a report over any window is the merge of its buckets.
 */
import { REQUEST_PRIORITIES, type AdmissionDecision, type LoadLevel, type RequestPriority } from "../../contracts/admission";
import {
  ERROR_COMPONENTS,
  TIMING_COMPONENTS,
  type AdmissionSnapshot,
  type CacheCounts,
  type DbAggregate,
  type ErrorComponent,
  type RequestOutcome,
  type SeriesEntry,
  type SeriesLabels,
  type SlowQuery,
  type TelemetryBatch,
  type TimingComponent,
} from "../../contracts/telemetry";
import { emptySketch, mergeSketches, type SketchWire } from "./sketch";

/** Above this many series a bucket folds further tenants into tenant "other" (memory bound). */
export const MAX_SERIES_PER_BUCKET = 2000;
export const OTHER_TENANT = "other";
/** Coarse buckets (5 min, 1 h) keep latency per route/method/priority only; tenant detail lives in tenantOutcomes. */
export const ANY_TENANT = "*";
const SLOWEST_KEPT = 10;

/** Admission state of one admission DO within a bucket: last gauges, summed decision deltas, merged waits. */
export interface AdmissionAggregate {
  tenant: string;
  at: number;
  limit: number;
  inflight: number;
  queued: Record<RequestPriority, number>;
  /** Largest total queue seen in the bucket (the last gauge can miss a burst). */
  maxQueued: number;
  loadLevel: LoadLevel;
  serviceRatePerSec: number | null;
  completionRatePerSec: number;
  decisions: Record<RequestPriority, Partial<Record<AdmissionDecision, number>>>;
  queueWait: Record<RequestPriority, SketchWire>;
  /** Last reported isolate-lease budget and (from a root) K. */
  leases?: { active: number; tokens: number; slots: number };
  shards?: number;
}

export interface Bucket {
  start: number;
  resolutionMs: number;
  /** Latency series keep the tenant label (minute buckets and windows built from them); coarse ones use "*". */
  tenantDetail: boolean;
  /** Keyed by seriesKey(labels). */
  series: Record<string, SeriesEntry>;
  /** tenant → priority → outcome → count, at every resolution (cheap; feeds per-tenant rules). */
  tenantOutcomes: Record<string, Partial<Record<RequestPriority | "none", Partial<Record<RequestOutcome, number>>>>>;
  components: Record<TimingComponent, SketchWire>;
  db: DbAggregate;
  cache: Record<string, CacheCounts>;
  errors: Record<ErrorComponent, number>;
  telemetry: { batches: number; flushFailures: number; flushDropped: number; sources: string[] };
  /** Keyed by admission DO id. */
  admission: Record<string, AdmissionAggregate>;
}

export const seriesKey = (l: SeriesLabels): string => JSON.stringify([l.route, l.method, l.tenant, l.priority, l.outcome]);

const zeroRecord = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const sketchRecord = <K extends string>(keys: readonly K[]): Record<K, SketchWire> => Object.fromEntries(keys.map((k) => [k, emptySketch()])) as Record<K, SketchWire>;

export const emptyDb = (): DbAggregate => ({ queries: emptySketch(), slow: 0, errors: 0, slowByRoute: {}, slowest: [] });

export function emptyBucket(start: number, resolutionMs: number, tenantDetail = resolutionMs <= 60_000): Bucket {
  return {
    start,
    resolutionMs,
    tenantDetail,
    series: {},
    tenantOutcomes: {},
    components: sketchRecord(TIMING_COMPONENTS),
    db: emptyDb(),
    cache: {},
    errors: zeroRecord(ERROR_COMPONENTS),
    telemetry: { batches: 0, flushFailures: 0, flushDropped: 0, sources: [] },
    admission: {},
  };
}

const addCounts = (into: Record<string, number>, from: Record<string, number>): void => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
};

function addSeries(bucket: Bucket, entry: SeriesEntry): void {
  const labels: SeriesLabels = { route: entry.route, method: entry.method, tenant: bucket.tenantDetail ? entry.tenant : ANY_TENANT, priority: entry.priority, outcome: entry.outcome };
  let key = seriesKey(labels);
  if (!bucket.series[key] && Object.keys(bucket.series).length >= MAX_SERIES_PER_BUCKET) {
    labels.tenant = OTHER_TENANT;
    key = seriesKey(labels);
  }
  const existing = bucket.series[key];
  if (!existing) {
    bucket.series[key] = { ...labels, latency: entry.latency, statuses: { ...entry.statuses } };
  } else {
    existing.latency = mergeSketches([existing.latency, entry.latency]);
    addCounts(existing.statuses, entry.statuses);
  }
}

function addTenantOutcome(bucket: Bucket, tenant: string, priority: RequestPriority | "none", outcome: RequestOutcome, n: number): void {
  const byPriority = (bucket.tenantOutcomes[tenant] ??= {});
  const byOutcome = (byPriority[priority] ??= {});
  byOutcome[outcome] = (byOutcome[outcome] ?? 0) + n;
}

function mergeDb(into: DbAggregate, from: DbAggregate): void {
  into.queries = mergeSketches([into.queries, from.queries]);
  into.slow += from.slow;
  into.errors += from.errors;
  addCounts(into.slowByRoute, from.slowByRoute);
  into.slowest = topSlowest([...into.slowest, ...from.slowest]);
}

export const topSlowest = (queries: SlowQuery[]): SlowQuery[] => [...queries].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST_KEPT);

function mergeCache(into: Record<string, CacheCounts>, from: Record<string, CacheCounts>): void {
  for (const [name, c] of Object.entries(from)) {
    const t = (into[name] ??= { hits: 0, misses: 0, evictions: 0 });
    t.hits += c.hits;
    t.misses += c.misses;
    t.evictions += c.evictions;
  }
}

function addSources(bucket: Bucket, sources: string[]): void {
  const set = new Set(bucket.telemetry.sources);
  // Bounded: the set only answers "how many isolates reported", never needs every id.
  for (const s of sources) if (set.size < 1000) set.add(s);
  bucket.telemetry.sources = [...set];
}

/** Adds one isolate batch (already de-duplicated by the caller). */
export function addBatch(bucket: Bucket, batch: TelemetryBatch): void {
  for (const entry of batch.series) {
    addSeries(bucket, entry);
    addTenantOutcome(bucket, entry.tenant, entry.priority, entry.outcome, entry.latency.count);
  }
  for (const c of TIMING_COMPONENTS) bucket.components[c] = mergeSketches([bucket.components[c], batch.components[c]]);
  mergeDb(bucket.db, batch.db);
  mergeCache(bucket.cache, batch.cache);
  for (const c of ERROR_COMPONENTS) bucket.errors[c] += batch.errors[c] ?? 0;
  bucket.telemetry.batches += 1;
  bucket.telemetry.flushFailures += batch.flush.failures;
  bucket.telemetry.flushDropped += batch.flush.dropped;
  addSources(bucket, [batch.source]);
}

const emptyDecisions = (): AdmissionAggregate["decisions"] => ({ critical: {}, high: {}, normal: {}, low: {} });

/** Adds an admission snapshot; `decisionDeltas` are what changed since that DO's previous snapshot. */
export function addAdmission(bucket: Bucket, snap: AdmissionSnapshot, decisionDeltas: AdmissionSnapshot["decisions"]): void {
  const prev = bucket.admission[snap.source];
  const queuedTotal = REQUEST_PRIORITIES.reduce((n, p) => n + (snap.queued[p] ?? 0), 0);
  const agg: AdmissionAggregate = prev ?? {
    tenant: snap.tenant,
    at: 0,
    limit: 0,
    inflight: 0,
    queued: zeroRecord(REQUEST_PRIORITIES),
    maxQueued: 0,
    loadLevel: "normal",
    serviceRatePerSec: null,
    completionRatePerSec: 0,
    decisions: emptyDecisions(),
    queueWait: sketchRecord(REQUEST_PRIORITIES),
  };
  if (snap.at >= agg.at) {
    agg.at = snap.at;
    agg.limit = snap.limit;
    agg.inflight = snap.inflight;
    agg.queued = { ...zeroRecord(REQUEST_PRIORITIES), ...snap.queued };
    agg.loadLevel = snap.loadLevel;
    agg.serviceRatePerSec = snap.serviceRatePerSec;
    agg.completionRatePerSec = snap.completionRatePerSec;
    if (snap.leases) agg.leases = { ...snap.leases };
    if (snap.shards !== undefined) agg.shards = snap.shards;
  }
  agg.maxQueued = Math.max(agg.maxQueued, queuedTotal);
  for (const p of REQUEST_PRIORITIES) {
    addCounts(agg.decisions[p] as Record<string, number>, decisionDeltas[p] ?? {});
    const wait = snap.queueWait[p];
    if (wait && wait.count > 0) agg.queueWait[p] = mergeSketches([agg.queueWait[p], wait]);
  }
  bucket.admission[snap.source] = agg;
}

function mergeAdmission(into: Bucket, from: AdmissionAggregate, source: string): void {
  const t = into.admission[source];
  if (!t) {
    into.admission[source] = structuredClone(from);
    return;
  }
  if (from.at >= t.at) {
    Object.assign(t, { at: from.at, limit: from.limit, inflight: from.inflight, queued: { ...from.queued }, loadLevel: from.loadLevel });
    Object.assign(t, { serviceRatePerSec: from.serviceRatePerSec, completionRatePerSec: from.completionRatePerSec });
    if (from.leases) t.leases = { ...from.leases };
    if (from.shards !== undefined) t.shards = from.shards;
  }
  t.maxQueued = Math.max(t.maxQueued, from.maxQueued);
  for (const p of REQUEST_PRIORITIES) {
    addCounts(t.decisions[p] as Record<string, number>, from.decisions[p] as Record<string, number>);
    t.queueWait[p] = mergeSketches([t.queueWait[p], from.queueWait[p]]);
  }
}

/** Merges `from` into `into` (a target without tenant detail folds latency series to tenant "*"). */
export function mergeBucket(into: Bucket, from: Bucket): void {
  for (const entry of Object.values(from.series)) addSeries(into, entry);
  for (const [tenant, byPriority] of Object.entries(from.tenantOutcomes)) {
    for (const [priority, byOutcome] of Object.entries(byPriority)) {
      for (const [outcome, n] of Object.entries(byOutcome)) addTenantOutcome(into, tenant, priority as RequestPriority, outcome as RequestOutcome, n);
    }
  }
  for (const c of TIMING_COMPONENTS) into.components[c] = mergeSketches([into.components[c], from.components[c]]);
  mergeDb(into.db, from.db);
  mergeCache(into.cache, from.cache);
  for (const c of ERROR_COMPONENTS) into.errors[c] += from.errors[c];
  into.telemetry.batches += from.telemetry.batches;
  into.telemetry.flushFailures += from.telemetry.flushFailures;
  into.telemetry.flushDropped += from.telemetry.flushDropped;
  addSources(into, from.telemetry.sources);
  for (const [source, agg] of Object.entries(from.admission)) mergeAdmission(into, agg, source);
}

/** The merge of many buckets as one bucket spanning [start, start + spanMs). */
export function combine(buckets: Bucket[], start: number, spanMs: number, tenantDetail: boolean): Bucket {
  const total = emptyBucket(start, spanMs, tenantDetail);
  for (const b of buckets) mergeBucket(total, b);
  return total;
}
