/**
 * The /metrics document (DESIGN.md section 6 names). Counters and summary _sum/_count are
 * cumulative; summary quantiles are computed from the sketches of the last
 * QUANTILE_WINDOW_MINUTES minutes (client_golang's MaxAge idea); gauges are the latest
 * admission snapshot of every admission DO heard from within GAUGE_MAX_AGE_MS.
 *
 * Tenant cardinality: at most `metricsMaxTenants` tenants are exported by id (TenantLabels),
 * the others are summed under tenant="other"; requests without a tenant use tenant="none".
 */
import { REQUEST_PRIORITIES } from "../../contracts/admission";
import { OTHER_TENANT, type Bucket } from "../windows/bucket";
import { C, type CumulativeCounters, type Labels } from "./cumulative-counters";
import { renderExposition, type MetricFamily, type Sample } from "./prometheus-text";
import type { AdmissionSnapshot } from "../../contracts/telemetry";
import type { GovernorView } from "../../contracts/governor";
import { QUANTILES, SketchBuilder } from "../windows/sketch";
import { NO_TENANT, type TenantLabels } from "./tenant-labels";

export const QUANTILE_WINDOW_MINUTES = 5;
export const GAUGE_MAX_AGE_MS = 5 * 60_000;

export interface ExpositionInput {
  counters: CumulativeCounters;
  /** The last QUANTILE_WINDOW_MINUTES minute buckets. */
  recentMinutes: Bucket[];
  /** Latest snapshot per admission DO. */
  admission: AdmissionSnapshot[];
  tenants: TenantLabels;
  now: number;
  /** The ResourceGovernor's view at scrape time; null when it could not be read (its families are then empty). */
  governor?: GovernorView | null;
}

const counterFamily = (counters: CumulativeCounters, name: string, help: string): MetricFamily => ({
  name,
  help,
  type: "counter",
  samples: counters.entries(name).map(({ labels, value }) => ({ labels, value })),
});

/** Quantile samples (seconds) per label set, plus cumulative _sum/_count under the same labels. */
function summaryFamily(name: string, help: string, sketches: Map<string, SketchBuilder>, counters: CumulativeCounters, sumName: string, countName: string): MetricFamily {
  const samples: Sample[] = [];
  const labelSets = new Map<string, Labels>();
  for (const key of sketches.keys()) labelSets.set(key, JSON.parse(key) as Labels);
  for (const { labels } of counters.entries(countName)) labelSets.set(JSON.stringify(labels), labels);
  for (const [key, labels] of labelSets) {
    const sk = sketches.get(key);
    if (sk && sk.count > 0) for (const q of QUANTILES) samples.push({ labels: { ...labels, quantile: String(q) }, value: sk.quantile(q) / 1000 });
    samples.push({ suffix: "_sum", labels, value: counters.get(sumName, labels) });
    samples.push({ suffix: "_count", labels, value: counters.get(countName, labels) });
  }
  return { name, help, type: "summary", samples };
}

function addSketch(m: Map<string, SketchBuilder>, labels: Labels, wire: Parameters<SketchBuilder["merge"]>[0]): void {
  if (wire.count === 0) return;
  const key = JSON.stringify(labels);
  let b = m.get(key);
  if (!b) m.set(key, (b = new SketchBuilder()));
  b.merge(wire);
}

export function buildExposition(input: ExpositionInput): string {
  const { counters, recentMinutes, tenants } = input;
  // Export never hands out a slot; only counting does (see TenantLabels).
  const tenantLabel = (t: string): string => (t === NO_TENANT || tenants.has(t) ? t : OTHER_TENANT);

  const http = new Map<string, SketchBuilder>();
  const db = new Map<string, SketchBuilder>();
  for (const b of recentMinutes) {
    for (const s of Object.values(b.series)) addSketch(http, { route: s.route, method: s.method, tenant: tenantLabel(s.tenant), priority: s.priority }, s.latency);
    addSketch(db, {}, b.db.queries);
  }
  const waits = new Map<string, SketchBuilder>();
  for (const b of recentMinutes) {
    for (const a of Object.values(b.admission)) for (const p of REQUEST_PRIORITIES) addSketch(waits, { tenant: tenantLabel(a.tenant), priority: p }, a.queueWait[p]);
  }

  // Gauges: several shards of one tenant (or several "other" tenants) add up.
  const fresh = input.admission.filter((s) => input.now - s.at <= GAUGE_MAX_AGE_MS);
  const depth = new Map<string, Sample>();
  const limit = new Map<string, Sample>();
  const inflight = new Map<string, Sample>();
  const bump = (m: Map<string, Sample>, labels: Labels, v: number): void => {
    const key = JSON.stringify(labels);
    const s = m.get(key);
    if (s) s.value += v;
    else m.set(key, { labels, value: v });
  };
  for (const s of fresh) {
    const tenant = tenantLabel(s.tenant);
    for (const p of REQUEST_PRIORITIES) bump(depth, { tenant, priority: p }, s.queued[p] ?? 0);
    bump(limit, { tenant }, s.limit);
    bump(inflight, { tenant }, s.inflight);
  }

  const families: MetricFamily[] = [
    counterFamily(counters, C.requests, "HTTP requests answered, by route template, method, status code, tenant and request priority."),
    summaryFamily(
      "taskflow_http_request_duration_seconds",
      `End-to-end request duration in seconds (all responses, refusals included). Quantiles over the last ${QUANTILE_WINDOW_MINUTES} minutes from a DDSketch with 1% relative error; _sum and _count are cumulative.`,
      http,
      counters,
      C.durationSum,
      C.durationCount,
    ),
    counterFamily(
      counters,
      C.controllerCalls,
      "Calls Worker isolates made to a tenant's admission controllers (root or shards), by kind (acquire, release, renew); beside taskflow_http_requests_total it shows round trips per request.",
    ),
    counterFamily(counters, C.decisions, "Admission decisions by tenant, request priority and decision (admitted, queued, rate_limited, queue_full, shed, deadline)."),
    { name: "taskflow_admission_queue_depth", help: "Requests waiting in the admission queue, by tenant and request priority (latest report).", type: "gauge", samples: [...depth.values()] },
    { name: "taskflow_admission_concurrency_limit", help: "Current adaptive concurrency limit, by tenant (latest report).", type: "gauge", samples: [...limit.values()] },
    { name: "taskflow_admission_inflight", help: "Requests holding an admission slot, by tenant (latest report).", type: "gauge", samples: [...inflight.values()] },
    summaryFamily(
      "taskflow_admission_queue_wait_seconds",
      `Time granted requests waited in the admission queue, in seconds. Quantiles over the last ${QUANTILE_WINDOW_MINUTES} minutes (DDSketch, 1% relative error).`,
      waits,
      counters,
      C.queueWaitSum,
      C.queueWaitCount,
    ),
    summaryFamily(
      "taskflow_db_query_duration_seconds",
      `D1 query duration in seconds. Quantiles over the last ${QUANTILE_WINDOW_MINUTES} minutes (DDSketch, 1% relative error).`,
      db,
      counters,
      C.dbSum,
      C.dbCount,
    ),
    { name: C.dbSlow, help: "D1 queries slower than DB_SLOW_QUERY_THRESHOLD.", type: "counter", samples: [{ labels: {}, value: counters.get(C.dbSlow, {}) }] },
    { name: C.dbErrors, help: "D1 queries that failed.", type: "counter", samples: [{ labels: {}, value: counters.get(C.dbErrors, {}) }] },
    counterFamily(counters, C.cacheRequests, "Cache lookups by cache and result (hit, miss)."),
    counterFamily(counters, C.cacheEvictions, "Entries evicted from a cache to respect its entry or memory bound (CACHE_MAX_SIZE, MEMORY_MAX_CAPACITY)."),
    counterFamily(counters, C.errors, "Errors by component: api (5xx responses), admission (controller unreachable), db (failed queries), cache."),
    { name: C.flushFailures, help: "Telemetry flushes from isolates that failed and were retried.", type: "counter", samples: [{ labels: {}, value: counters.get(C.flushFailures, {}) }] },
    { name: C.flushDropped, help: "Telemetry batches dropped after a failed retry (the figures undercount by these).", type: "counter", samples: [{ labels: {}, value: counters.get(C.flushDropped, {}) }] },
    ...governorFamilies(input.governor ?? null, tenantLabel),
    {
      name: "taskflow_metrics_exported_tenants",
      help: "Tenants exported by id in this document; all other tenants are summed under tenant=\"other\".",
      type: "gauge",
      samples: [
        { labels: { kind: "exported" }, value: tenants.list().length },
        { labels: { kind: "capacity" }, value: tenants.capacity },
      ],
    },
  ];
  return renderExposition(families);
}

/** The ResourceGovernor's gauges (DESIGN.md section 8); shares of tenants not exported by id add up under "other". */
function governorFamilies(view: GovernorView | null, tenantLabel: (tenant: string) => string): MetricFamily[] {
  const shares = new Map<string, Sample>();
  for (const t of view?.tenants ?? []) {
    const tenant = tenantLabel(t.tenant);
    const sample = shares.get(tenant);
    if (sample) sample.value += t.share;
    else shares.set(tenant, { labels: { tenant }, value: t.share });
  }
  const signal = view?.contention.signal ?? null;
  return [
    { name: "taskflow_governor_budget", help: "Global D1 concurrency budget the resource governor splits between tenants (1..DB_MAX_CONNECTIONS).", type: "gauge", samples: view ? [{ labels: {}, value: view.budget }] : [] },
    { name: "taskflow_governor_share", help: "Each tenant's weighted max-min fair share of the D1 budget by its demand (its controller's cap adds its part of the budget nobody wants).", type: "gauge", samples: [...shares.values()] },
    {
      name: "taskflow_governor_contention",
      help: "Fleet D1 query latency over its no-load baseline (1 = no contention; the budget shrinks above the threshold, 2). Absent before enough queries.",
      type: "gauge",
      samples: signal === null ? [] : [{ labels: {}, value: signal }],
    },
  ];
}
