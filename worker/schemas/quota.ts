import { z } from "@hono/zod-openapi";
import { LIMIT_ALGORITHMS, REQUEST_PRIORITIES, type Quota } from "../../durable-objects/contracts/admission";
import type { Config } from "../config";
import { quotaShape } from "../../durable-objects/contracts/quota-shape";

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
    weight: z
      .number()
      .positive()
      .max(1000)
      .optional()
      .openapi({ description: "The tenant's weight in the resource governor's fair shares of D1 concurrency (default 1): weight 2 gets twice the share of weight 1 when both want more than they get" }),
    routeCosts: z
      .record(z.string().regex(/^(GET|POST|PUT|PATCH|DELETE) \/v1\/\S*$/, 'keys look like "GET /v1/tasks/stats"'), z.number().int().min(1).max(1000))
      .optional(),
  })
  .openapi("QuotaOverrides");

export type QuotaOverrides = z.infer<typeof QuotaOverridesSchema>;

export const QuotaSchema = z.object(quotaShape).openapi("Quota");

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
    weight: o.weight ?? 1,
    // Overrides only: a route without one costs what its declaration says (x-admission in /openapi.json).
    routeCosts: { ...o.routeCosts },
  };
}

/** Cross-field rules the field schemas cannot express, as field errors; `routeKeys` are the admitted routes. */
export function quotaProblems(quota: Quota, routeKeys: ReadonlySet<string>): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const route of Object.keys(quota.routeCosts)) {
    if (!routeKeys.has(route)) problems.push({ path: `body.routeCosts.${route}`, message: `no admitted route has this key; known keys: ${[...routeKeys].sort().join(", ")}` });
  }
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
