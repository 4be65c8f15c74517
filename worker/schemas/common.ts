import { z } from "@hono/zod-openapi";
import { refusalHeaderRefs } from "./admission-headers";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input: the offending fields are listed in `errors`",
  401: "No, malformed, unknown or revoked credentials",
  403: "Not allowed: a tenant's API key on an operator route (which needs the `ADMIN_TOKEN`)",
  404: "No such resource (another tenant's ids are not found either)",
  409: "Conflict with the current state",
  412: "`If-Match` names a version that is no longer current",
  413: "Body larger than 1 MiB",
  415: "A body that is not `application/json`",
  429: "Over the tenant's rate budget, or (reason `auth_failures`) too many failed API key lookups from this client; retry after `Retry-After` seconds",
  503: "Overloaded (queue full, shed, or deadline unreachable), or the admission controller or the database did not answer (`reason`: `unavailable`, `database_unavailable`; a write that failed did not commit); retry after `Retry-After` seconds",
};

type Ref = { $ref: string };

/** One RFC 9457 problem response, described inline. */
export const problemResponse = (status: number, options: { description?: string; headers?: Record<string, Ref> } = {}) => ({
  description: options.description ?? PROBLEM_DESCRIPTIONS[status] ?? "RFC 9457 problem",
  ...(options.headers ? { headers: options.headers } : {}),
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** Admission control's refusals, shared components that declare its headers (registered by the app). */
export const REFUSAL_RESPONSES = { 429: "TooManyRequests", 503: "Overloaded" } as const;

export const refusalResponseComponents = () =>
  Object.fromEntries(
    Object.entries(REFUSAL_RESPONSES).map(([status, name]) => [
      name,
      {
        description: PROBLEM_DESCRIPTIONS[Number(status)] ?? "",
        headers: refusalHeaderRefs(),
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      },
    ]),
  );

const isRefusal = (status: number): status is keyof typeof REFUSAL_RESPONSES => status in REFUSAL_RESPONSES;
export const refusalResponseRef = (status: keyof typeof REFUSAL_RESPONSES): Ref => ({ $ref: `#/components/responses/${REFUSAL_RESPONSES[status]}` });

/**
 * Responses every route may give, documented once. 429 and 503 are admission control's
 * shared responses, which carry its headers, so no route can describe them differently.
 */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, isRefusal(status) ? refusalResponseRef(status) : problemResponse(status)]));

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
