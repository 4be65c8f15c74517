import { z } from "@hono/zod-openapi";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

/** Responses every route may give, documented once. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: "RFC 9457 problem", content: { "application/problem+json": { schema: ProblemSchema } } },
    ]),
  );

export const IdParamSchema = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, example: "3f0c5a9e-8a1b-4c1e-9d3f-2b6f1c8e7a10" }),
});

export const IsoDateTime = z.iso.datetime({ offset: true }).openapi({ example: "2026-12-01T17:00:00Z" });

/** `?status=pending,in_progress` → ["pending", "in_progress"] */
export const commaList = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(",").map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1).max(values.length));

export const toIso = (ms: number): string => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null): string | null => (ms === null ? null : toIso(ms));
