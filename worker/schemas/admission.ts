import { z } from "@hono/zod-openapi";

const perPriority = z.object({ critical: z.number(), high: z.number(), normal: z.number(), low: z.number() });

/** GET /admin/tenants/:id/admission (DESIGN.md section 4); extra detail fields pass through. */
export const AdmissionStateSchema = z
  .looseObject({
    limit: z.number(),
    inflight: z.number(),
    queued: perPriority,
    tokens: z.number(),
    loadLevel: z.enum(["normal", "elevated", "overloaded"]),
    decisions: z.object({
      admitted: z.number(),
      queued: z.number(),
      rate_limited: z.number(),
      queue_full: z.number(),
      shed: z.number(),
      deadline: z.number(),
    }),
    leases: z
      .object({ active: z.number(), tokens: z.number(), slots: z.number() })
      .openapi({ description: "Budget held by isolate leases: how many, their unreported tokens, their slots (counted in inflight)" }),
    share: z
      .number()
      .nullable()
      .openapi({ description: "The D1 concurrency the resource governor gives the tenant (its cap: its fair share plus its part of the budget nobody wants now): `limit` stays at or under it; null until the governor has answered" }),
    shards: z
      .number()
      .int()
      .optional()
      .openapi({ description: "How many controllers serve the tenant now: 1 is the root alone; past ADMISSION_CONTROLLER_TARGET_RPS, K shard controllers (details in `sharding`)" }),
  })
  .openapi("AdmissionState");
