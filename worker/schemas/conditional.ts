import { z } from "@hono/zod-openapi";

/**
 * Conditional reads of task lists and stats (DESIGN.md section 9): their ETag comes from the
 * tenant's data version, so a client that sends it back learns with a 304 that nothing changed.
 */
export const IfNoneMatchHeader = z.object({
  "if-none-match": z
    .string()
    .optional()
    .openapi({ description: "An ETag this operation answered before (or a list of them, or *): 304 with no body while it is still current", example: '"l42-1x2y3z"' }),
});

const etagHeader = (description: string) => ({ ETag: { description, schema: { type: "string" as const } } });

/** The 200 of a cached read, with its ETag. */
export const withEtag = <R extends { description: string }>(response: R, description: string) => ({
  ...response,
  headers: etagHeader(description),
});

/** 304 Not Modified: no body; the ETag, and X-Degraded/Age when a 200 would have carried them. */
export const notModifiedResponse = (description: string) => ({
  description: "Not modified: the If-None-Match tag is still current (no body)",
  headers: {
    ...etagHeader(description),
    "X-Degraded": { description: "Present when the answer would have been degraded (stats-snapshot, page-size)", schema: { type: "string" as const } },
    Age: { description: "Seconds since a stats snapshot served under load was last known current", schema: { type: "integer" as const, minimum: 0 } },
  },
});
