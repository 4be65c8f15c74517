import { z } from "zod";
import { LIMIT_ALGORITHMS, REQUEST_PRIORITIES } from "./admission";

/**
 * The fields of a resolved Quota (contract.ts) as zod types: the one declaration behind the
 * DO's stored-quota check and the API's `Quota` schema.
 */
export const quotaShape = {
  rateLimit: z.object({ requests: z.number(), windowMs: z.number(), burst: z.number() }),
  maxConcurrency: z.number(),
  minConcurrency: z.number(),
  queueSize: z.number(),
  timeoutMs: z.number(),
  maxPriority: z.enum(REQUEST_PRIORITIES),
  limitAlgorithm: z.enum(LIMIT_ALGORITHMS).optional(),
  weight: z.number().optional(),
  routeCosts: z.record(z.string(), z.number()),
};
