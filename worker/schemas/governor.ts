import { z } from "@hono/zod-openapi";

/** GET /admin/governor: the ResourceGovernor's view (durable-objects/contracts/governor.ts), checked against it by the type checker. */
const GovernorTenantSchema = z
  .object({
    tenant: z.string(),
    demand: z.number().openapi({ description: "Requests in flight and queued at the tenant's last report" }),
    forecast: z.number().openapi({ description: "Holt's linear-trend forecast of the demand one report interval (1 s) ahead" }),
    weight: z.number().openapi({ description: "The quota's weight (default 1)" }),
    share: z.number().int().openapi({ description: "Weighted max-min fair share of the budget" }),
    cap: z.number().int().openapi({ description: "What the tenant's controller was told: its share plus its weight's part of the budget nobody wants now (at least 1); its concurrency limit stays at or under it" }),
    admittedPerSec: z.number(),
    wantedPerSec: z.number().openapi({ description: "Requests per second the tenant wanted admitted: those admitted plus those its saturation shedder refused" }),
    fairRatePerSec: z.number().int().openapi({ description: "The tenant's weighted max-min fair share of the rate the whole fleet admits, by what each tenant wants" }),
    passScale: z.number().openapi({ description: "What the tenant's saturation shedder multiplies a request's chance of passing by, steering it toward its fair rate (over 1: served under it; 1/16 to 16)" }),
    dbMsPerSec: z.number().openapi({ description: "D1 time the tenant's requests used per second (ms/s), less the time the answers waited for the Worker's own thread" }),
    reportedAt: z.number().int().openapi({ description: "Epoch ms of the tenant's last report" }),
  })
  .openapi("GovernorTenant");

export const GovernorViewSchema = z
  .object({
    budget: z.number().int().openapi({ description: "Global D1 concurrency budget, between 1 and DB_MAX_CONNECTIONS" }),
    maxBudget: z.number().int().openapi({ description: "DB_MAX_CONNECTIONS" }),
    contention: z.object({
      signal: z.number().nullable().openapi({ description: "Recent fleet D1 query latency over its no-load baseline (1 = no contention); null before enough queries" }),
      d1Concurrency: z.number().nullable().openapi({ description: "Mean number of fleet queries in D1 at once (their summed latency per second of wall time); above the threshold they wait for one another" }),
      threshold: z.number().openapi({ description: "The budget shrinks while both the signal and the D1 concurrency are above this" }),
      latencyMs: z.number().nullable(),
      baselineMs: z.number().nullable(),
    }),
    totalDemand: z.number().openapi({ description: "What the tenants want together (demand or forecast, plus one slot of headroom each)" }),
    tenants: z.array(GovernorTenantSchema),
    at: z.number().int(),
  })
  .openapi("GovernorView");
