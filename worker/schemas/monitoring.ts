import { z } from "@hono/zod-openapi";
import { REQUEST_PRIORITIES } from "../../durable-objects/contracts/admission";
import { REPORT_WINDOWS, type ReportWindow } from "../../durable-objects/monitor/reports/performance-report";
import { ERROR_COMPONENTS, REQUEST_OUTCOMES, TIMING_COMPONENTS } from "../../durable-objects/contracts/telemetry";

/**
 * The Monitor's JSON answers (/admin/performance, /admin/alerts, /admin/dashboard-data).
 * The routes return the Monitor's own types through these schemas, so the type checker
 * fails if the two drift apart.
 */

const priorities = z.enum(REQUEST_PRIORITIES);
const perPriority = <T extends z.ZodType>(value: T) => z.record(priorities, value);
const details = z.record(z.string(), z.union([z.number(), z.string(), z.null()]));

const QuantileSummarySchema = z
  .object({
    count: z.number().int(),
    sum: z.number(),
    min: z.number(),
    max: z.number(),
    mean: z.number(),
    p50: z.number(),
    p95: z.number(),
    p99: z.number(),
    p999: z.number(),
  })
  .openapi("QuantileSummary", { description: "Milliseconds, from a DDSketch with 1 % relative accuracy" });

const PriorityStatsSchema = z.object({
  requests: z.number().int(),
  rps: z.number(),
  errorRate: z.number(),
  shedRatio: z.number(),
  rateLimitedRatio: z.number(),
  latencyMs: QuantileSummarySchema.nullable(),
});

const TenantAdmissionStatsSchema = z.object({
  tenant: z.string(),
  limit: z.number(),
  inflight: z.number(),
  queued: perPriority(z.number()),
  maxQueued: z.number(),
  loadLevel: z.string(),
  serviceRatePerSec: z.number().nullable(),
  completionRatePerSec: z.number(),
  decisions: perPriority(z.record(z.string(), z.number())),
  queueWaitMs: perPriority(QuantileSummarySchema.nullable()),
});

const TrafficStatsSchema = z
  .object({
    from: z.number().openapi({ description: "Epoch milliseconds" }),
    to: z.number().openapi({ description: "Epoch milliseconds" }),
    seconds: z.number(),
    requests: z.number().int(),
    rps: z.number(),
    rpm: z.number(),
    outcomes: z.record(z.enum(REQUEST_OUTCOMES), z.number()),
    latencyMs: QuantileSummarySchema.nullable(),
    errorRate: z.number(),
    errorRateByComponent: z.record(z.enum(ERROR_COMPONENTS), z.number()),
    goodputRps: z.number(),
    shedRatio: z.number(),
    rateLimitedRatio: z.number(),
    byPriority: z.record(z.enum([...REQUEST_PRIORITIES, "none"]), PriorityStatsSchema),
    components: z.record(z.enum(TIMING_COMPONENTS), QuantileSummarySchema.nullable()),
    db: z.object({
      queriesMs: QuantileSummarySchema.nullable(),
      queriesPerSec: z.number(),
      slow: z.number().int(),
      errors: z.number().int(),
      slowByRoute: z.record(z.string(), z.number()),
      slowest: z.array(z.object({ route: z.string(), sql: z.string(), ms: z.number() })),
    }),
    cache: z.record(
      z.string(),
      z.object({ hits: z.number(), misses: z.number(), evictions: z.number(), hitRate: z.number().nullable(), evictionsPerSec: z.number() }),
    ),
    admission: z.array(TenantAdmissionStatsSchema),
    telemetry: z.object({ batches: z.number(), isolates: z.number(), flushFailures: z.number(), flushDropped: z.number() }),
  })
  .openapi("TrafficStats");

export const AlertSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    rule: z.string(),
    severity: z.enum(["page", "ticket"]),
    summary: z.string(),
    details,
    startedAt: z.number().openapi({ description: "Epoch milliseconds" }),
    endedAt: z.number().nullable().openapi({ description: "Epoch milliseconds; null while the alert fires" }),
    updatedAt: z.number(),
  })
  .openapi("Alert");

export const REPORT_WINDOW_NAMES = Object.keys(REPORT_WINDOWS) as [ReportWindow, ...ReportWindow[]];

export const PerformanceQuerySchema = z.object({
  window: z
    .enum(REPORT_WINDOW_NAMES)
    .optional()
    .openapi({ description: "Only this window; all three when absent" }),
});

export const PerformanceReportSchema = z
  .object({
    generatedAt: z.number(),
    sketch: z.object({ algorithm: z.literal("DDSketch"), relativeAccuracy: z.number() }),
    objectives: z.object({
      availabilityTarget: z.number(),
      latencyTarget: z.number(),
      latencyThresholdMs: z.number(),
      p99ThresholdMs: z.number(),
      shedRatioThreshold: z.number(),
      burnRateWindows: z.array(z.object({ name: z.string(), factor: z.number(), severity: z.string() })),
    }),
    windows: z.partialRecord(z.enum(REPORT_WINDOW_NAMES), TrafficStatsSchema),
    recommendations: z.array(
      z.object({ rule: z.string(), severity: z.enum(["info", "warning", "critical"]), subject: z.string(), message: z.string(), evidence: details }),
    ),
    activeAlerts: z.array(AlertSchema),
  })
  .openapi("PerformanceReport");

export const AlertsSchema = z
  .object({
    active: z.array(AlertSchema),
    recent: z.array(AlertSchema).openapi({ description: "Closed alerts of the last 7 days, newest first" }),
  })
  .openapi("Alerts");

export const DashboardQuerySchema = z.object({
  minutes: z.coerce.number().int().min(1).max(60).default(30).openapi({ description: "One-minute points to return" }),
});

export const DashboardDataSchema = z
  .object({
    now: z.number(),
    minutes: z.array(
      z.object({
        start: z.number(),
        requests: z.number().int(),
        rps: z.number(),
        p50: z.number().nullable(),
        p95: z.number().nullable(),
        p99: z.number().nullable(),
        errorRate: perPriority(z.number().nullable()),
        shedRate: perPriority(z.number().nullable()),
      }),
    ),
    tenants: z.array(
      z.object({
        tenant: z.string(),
        points: z.array(z.object({ start: z.number(), limit: z.number().nullable(), inflight: z.number().nullable(), queued: z.number().nullable() })),
      }),
    ),
    alerts: z.array(AlertSchema),
  })
  .openapi("DashboardData");

export const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

export const ReadinessSchema = z
  .object({
    status: z.literal("ready"),
    checks: z.object({ d1: z.object({ ok: z.boolean(), ms: z.number().openapi({ description: "Round trip of `SELECT 1`" }) }) }),
  })
  .openapi("Readiness");
