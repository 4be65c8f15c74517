import { z } from "@hono/zod-openapi";
import { LIMIT_ALGORITHMS, REQUEST_PRIORITIES, type Quota } from "../../durable-objects/admission/contract";
import type { Config } from "../config";
import { quotaShape } from "../../durable-objects/admission/quota-shape";

/** A tenant's quota overrides (DESIGN.md section 3): every field optional, defaults from config. */
export const QuotaOverridesSchema = z
  .strictObject({
    rateLimit: z
      .strictObject({
        requests: z.number().int().min(1).max(10_000_000).optional(),
        windowMs: z.number().int().min(1000).max(86_400_000).optional(),
        burst: z.number().int().min(1).max(10_000_000).optional(),
      })
      .optional(),
    maxConcurrency: z.number().int().min(1).max(10_000).optional(),
    minConcurrency: z.number().int().min(1).max(10_000).optional(),
    queueSize: z.number().int().min(0).max(100_000).optional(),
    timeoutMs: z.number().int().min(100).max(300_000).optional(),
    maxPriority: z.enum(REQUEST_PRIORITIES).optional(),
    limitAlgorithm: z.enum(LIMIT_ALGORITHMS).optional().openapi({ description: "Adaptive concurrency algorithm: gradient2 (default) or aimd" }),
    routeCosts: z
      .record(z.string().regex(/^(GET|POST|PUT|PATCH|DELETE) \/v1\/\S*$/, 'keys look like "GET /v1/tasks/stats"'), z.number().int().min(1).max(1000))
      .optional(),
  })
  .openapi("QuotaOverrides");

export type QuotaOverrides = z.infer<typeof QuotaOverridesSchema>;

export const QuotaSchema = z.object(quotaShape).openapi("Quota");

/** Stats and batches touch many rows: by default they cost more of the budget than a read. */
export const DEFAULT_ROUTE_COSTS: Readonly<Record<string, number>> = {
  "GET /v1/tasks/stats": 5,
  "POST /v1/tasks/batch": 5,
};

export function resolveQuota(overrides: QuotaOverrides | null | undefined, config: Config): Quota {
  const o = overrides ?? {};
  const requests = o.rateLimit?.requests ?? config.admission.rateLimit.requests;
  return {
    rateLimit: {
      requests,
      windowMs: o.rateLimit?.windowMs ?? config.admission.rateLimit.windowMs,
      // Without an explicit burst the bucket holds one window's worth.
      burst: o.rateLimit?.burst ?? requests,
    },
    maxConcurrency: o.maxConcurrency ?? config.admission.maxConcurrency,
    minConcurrency: o.minConcurrency ?? 1,
    queueSize: o.queueSize ?? config.admission.queueSize,
    timeoutMs: o.timeoutMs ?? config.admission.timeoutMs,
    maxPriority: o.maxPriority ?? "critical",
    limitAlgorithm: o.limitAlgorithm ?? "gradient2",
    routeCosts: { ...DEFAULT_ROUTE_COSTS, ...o.routeCosts },
  };
}

/** Cross-field rules the field schemas cannot express, as field errors. */
export function quotaProblems(quota: Quota): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (quota.minConcurrency > quota.maxConcurrency) {
    problems.push({ path: "body.minConcurrency", message: `must not exceed maxConcurrency (${quota.maxConcurrency})` });
  }
  for (const [route, cost] of Object.entries(quota.routeCosts)) {
    if (cost > quota.rateLimit.burst) {
      problems.push({ path: `body.routeCosts.${route}`, message: `cost ${cost} exceeds the bucket's burst (${quota.rateLimit.burst}); such a request could never be admitted` });
    }
  }
  return problems;
}
