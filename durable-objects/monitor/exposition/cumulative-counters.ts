/**
 * Monotonic counters since the Monitor's storage was created (Prometheus counters and
 * summary _sum/_count), fed with the deltas of every batch and snapshot. Tenants are
 * labelled through TenantLabels at counting time, which bounds the label sets.
 */
import { REQUEST_PRIORITIES } from "../../contracts/admission";
import { CONTROLLER_CALL_KINDS, ERROR_COMPONENTS, type AdmissionSnapshot, type TelemetryBatch } from "../../contracts/telemetry";
import type { TenantLabels } from "./tenant-labels";

export type Labels = Record<string, string>;

export class CumulativeCounters {
  private readonly values = new Map<string, number>();
  private readonly dirty = new Set<string>();

  constructor(restored: Iterable<[key: string, value: number]> = []) {
    for (const [k, v] of restored) this.values.set(k, v);
  }

  static key(metric: string, labels: Labels): string {
    return JSON.stringify([metric, labels]);
  }

  add(metric: string, labels: Labels, n: number): void {
    if (!(n > 0)) return;
    const key = CumulativeCounters.key(metric, labels);
    this.values.set(key, (this.values.get(key) ?? 0) + n);
    this.dirty.add(key);
  }

  /** Makes the series exist at 0: a counter that appears only on its first increment hides the start of a rate. */
  touch(metric: string, labels: Labels): void {
    const key = CumulativeCounters.key(metric, labels);
    if (this.values.has(key)) return;
    this.values.set(key, 0);
    this.dirty.add(key);
  }

  get(metric: string, labels: Labels): number {
    return this.values.get(CumulativeCounters.key(metric, labels)) ?? 0;
  }

  /** Every label set of `metric`, in insertion order. */
  entries(metric: string): Array<{ labels: Labels; value: number }> {
    const out: Array<{ labels: Labels; value: number }> = [];
    for (const [key, value] of this.values) {
      const [name, labels] = JSON.parse(key) as [string, Labels];
      if (name === metric) out.push({ labels, value });
    }
    return out;
  }

  takeDirty(): Array<[key: string, value: number]> {
    const out = [...this.dirty].map((k): [string, number] => [k, this.values.get(k) ?? 0]);
    this.dirty.clear();
    return out;
  }
}

/** Names of the cumulative series (summary parts are stored under their full sample names). */
export const C = {
  requests: "taskflow_http_requests_total",
  durationSum: "taskflow_http_request_duration_seconds_sum",
  durationCount: "taskflow_http_request_duration_seconds_count",
  decisions: "taskflow_admission_decisions_total",
  queueWaitSum: "taskflow_admission_queue_wait_seconds_sum",
  queueWaitCount: "taskflow_admission_queue_wait_seconds_count",
  dbSum: "taskflow_db_query_duration_seconds_sum",
  dbCount: "taskflow_db_query_duration_seconds_count",
  dbSlow: "taskflow_db_slow_queries_total",
  dbErrors: "taskflow_db_query_errors_total",
  cacheRequests: "taskflow_cache_requests_total",
  cacheEvictions: "taskflow_cache_evictions_total",
  errors: "taskflow_errors_total",
  flushFailures: "taskflow_telemetry_flush_failures_total",
  flushDropped: "taskflow_telemetry_batches_dropped_total",
  controllerCalls: "taskflow_admission_controller_calls_total",
} as const;

export function countBatch(counters: CumulativeCounters, batch: TelemetryBatch, tenants: TenantLabels): void {
  for (const s of batch.series) {
    const tenant = tenants.label(s.tenant);
    for (const [status, n] of Object.entries(s.statuses)) counters.add(C.requests, { route: s.route, method: s.method, status, tenant, priority: s.priority }, n);
    const labels = { route: s.route, method: s.method, tenant, priority: s.priority };
    counters.add(C.durationSum, labels, s.latency.sum / 1000);
    counters.add(C.durationCount, labels, s.latency.count);
  }
  counters.touch(C.dbSum, {});
  counters.touch(C.dbCount, {});
  counters.add(C.dbSum, {}, batch.db.queries.sum / 1000);
  counters.add(C.dbCount, {}, batch.db.queries.count);
  counters.add(C.dbSlow, {}, batch.db.slow);
  counters.add(C.dbErrors, {}, batch.db.errors);
  for (const [cache, c] of Object.entries(batch.cache)) {
    counters.touch(C.cacheRequests, { cache, result: "hit" });
    counters.touch(C.cacheRequests, { cache, result: "miss" });
    counters.touch(C.cacheEvictions, { cache });
    counters.add(C.cacheRequests, { cache, result: "hit" }, c.hits);
    counters.add(C.cacheRequests, { cache, result: "miss" }, c.misses);
    counters.add(C.cacheEvictions, { cache }, c.evictions);
  }
  const serverErrors = batch.series.filter((s) => s.outcome === "server_error").reduce((n, s) => n + s.latency.count, 0);
  for (const component of ERROR_COMPONENTS) {
    counters.touch(C.errors, { component });
    const n = component === "api" ? serverErrors : component === "db" ? batch.db.errors : batch.errors[component];
    counters.add(C.errors, { component }, n);
  }
  for (const [tenantId, calls] of Object.entries(batch.controllerCalls ?? {})) {
    const tenant = tenants.label(tenantId);
    for (const kind of CONTROLLER_CALL_KINDS) {
      counters.touch(C.controllerCalls, { tenant, kind });
      counters.add(C.controllerCalls, { tenant, kind }, calls[kind] ?? 0);
    }
  }
  counters.add(C.flushFailures, {}, batch.flush.failures);
  counters.add(C.flushDropped, {}, batch.flush.dropped);
}

export function countAdmission(counters: CumulativeCounters, snap: AdmissionSnapshot, deltas: AdmissionSnapshot["decisions"], tenants: TenantLabels): void {
  const tenant = tenants.label(snap.tenant);
  for (const priority of REQUEST_PRIORITIES) {
    for (const [decision, n] of Object.entries(deltas[priority] ?? {})) counters.add(C.decisions, { tenant, priority, decision }, n);
    const wait = snap.queueWait[priority];
    if (wait && wait.count > 0) {
      counters.add(C.queueWaitSum, { tenant, priority }, wait.sum / 1000);
      counters.add(C.queueWaitCount, { tenant, priority }, wait.count);
    }
  }
}
