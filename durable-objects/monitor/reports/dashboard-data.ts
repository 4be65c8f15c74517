/**
 * The dashboard's JSON: one point per minute (latency percentiles of served requests, rps,
 * error and shed rates by request priority) and per-tenant admission gauges over time.
 */
import { REQUEST_PRIORITIES, type RequestPriority } from "../../contracts/admission";
import type { AlertRecord } from "../alerts/alert-log";
import type { Bucket } from "../windows/bucket";
import { SHED_OUTCOMES } from "../../contracts/telemetry";
import { SketchBuilder } from "../windows/sketch";
import { outcomeCounts, SERVED_OUTCOMES } from "../windows/traffic-stats";
import { MINUTE } from "../windows/windows";

export interface DashboardPoint {
  start: number;
  requests: number;
  rps: number;
  /** Served latency, ms; null in a minute without served requests. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  errorRate: Record<RequestPriority, number | null>;
  shedRate: Record<RequestPriority, number | null>;
}

export interface TenantPoint {
  start: number;
  limit: number | null;
  inflight: number | null;
  queued: number | null;
  /** How many controllers served the tenant (its root's last report); null before any. */
  shards: number | null;
  /** Slots held by isolate leases, and their share of the tenant's limit (lease coverage). */
  leaseSlots: number | null;
  leaseCoverage: number | null;
}

export interface TenantSeries {
  tenant: string;
  points: TenantPoint[];
}

export interface DashboardData {
  now: number;
  minutes: DashboardPoint[];
  tenants: TenantSeries[];
  alerts: AlertRecord[];
}

const perPriority = (f: (p: RequestPriority) => number | null): Record<RequestPriority, number | null> =>
  Object.fromEntries(REQUEST_PRIORITIES.map((p) => [p, f(p)])) as Record<RequestPriority, number | null>;

function point(b: Bucket, now: number): DashboardPoint {
  const series = Object.values(b.series);
  const served = new SketchBuilder();
  for (const s of series) if (SERVED_OUTCOMES.includes(s.outcome)) served.merge(s.latency);
  const outcomes = outcomeCounts(series);
  const requests = Object.values(outcomes).reduce((a, n) => a + n, 0);
  const seconds = Math.max(1, (Math.min(now, b.start + MINUTE) - b.start) / 1000);
  const byPriority = (p: RequestPriority) => outcomeCounts(series.filter((s) => s.priority === p));
  const rate = (p: RequestPriority, bad: (o: ReturnType<typeof outcomeCounts>) => number): number | null => {
    const o = byPriority(p);
    const total = Object.values(o).reduce((a, n) => a + n, 0);
    return total > 0 ? bad(o) / total : null;
  };
  const q = (x: number): number | null => (served.count > 0 ? served.quantile(x) : null);
  return {
    start: b.start,
    requests,
    rps: requests / seconds,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    errorRate: perPriority((p) => rate(p, (o) => o.server_error)),
    shedRate: perPriority((p) => rate(p, (o) => SHED_OUTCOMES.reduce((a, k) => a + o[k], 0))),
  };
}

/** Tenants with admission reports in the range, each with one point per minute (null when silent). */
function tenantSeries(minutes: Bucket[], maxTenants: number): TenantSeries[] {
  const byTenant = new Map<string, Map<number, TenantPoint>>();
  const queuedPeak = new Map<string, number>();
  for (const b of minutes) {
    for (const a of Object.values(b.admission)) {
      let points = byTenant.get(a.tenant);
      if (!points) byTenant.set(a.tenant, (points = new Map()));
      const p: TenantPoint = points.get(b.start) ?? { start: b.start, limit: 0, inflight: 0, queued: 0, shards: null, leaseSlots: null, leaseCoverage: null };
      p.limit = (p.limit ?? 0) + a.limit;
      p.inflight = (p.inflight ?? 0) + a.inflight;
      p.queued = (p.queued ?? 0) + a.maxQueued;
      if (a.shards !== undefined) p.shards = a.shards;
      if (a.leases) p.leaseSlots = (p.leaseSlots ?? 0) + a.leases.slots;
      p.leaseCoverage = p.leaseSlots !== null && p.limit > 0 ? p.leaseSlots / p.limit : null;
      points.set(b.start, p);
      queuedPeak.set(a.tenant, Math.max(queuedPeak.get(a.tenant) ?? 0, a.maxQueued, a.inflight));
    }
  }
  // The busiest tenants first: a chart per tenant does not scale past a handful.
  return [...byTenant.entries()]
    .sort((x, y) => (queuedPeak.get(y[0]) ?? 0) - (queuedPeak.get(x[0]) ?? 0) || x[0].localeCompare(y[0]))
    .slice(0, maxTenants)
    .map(([tenant, points]) => ({ tenant, points: minutes.map((b) => points.get(b.start) ?? { start: b.start, limit: null, inflight: null, queued: null, shards: null, leaseSlots: null, leaseCoverage: null }) }));
}

export function dashboardData(minutes: Bucket[], alerts: AlertRecord[], now: number, maxTenants = 8): DashboardData {
  return { now, minutes: minutes.map((b) => point(b, now)), tenants: tenantSeries(minutes, maxTenants), alerts };
}
