import { z } from "@hono/zod-openapi";

/** RFC 9110 visible characters (VCHAR): no spaces, no control characters. */
const VISIBLE_ASCII = /^[\x21-\x7e]{1,255}$/;

export const IdempotencyKeyHeader = z.object({
  "idempotency-key": z
    .string()
    .regex(VISIBLE_ASCII, "must be 1-255 visible ASCII characters")
    .optional()
    .openapi({
      description:
        "Makes a retry of this write safe: the first answer is stored for 24 h and repeated (with Idempotent-Replayed: true) to a retry with the same key, method, path and body",
      example: "3f0c5a9e-8a1b-4c1e-9d3f-2b6f1c8e7a10",
    }),
});

/** A write's success response, with the header that marks a replayed answer. */
export const replayable = <R extends { description: string }>(response: R) => ({
  ...response,
  headers: {
    "Idempotent-Replayed": {
      description: "Present (true) when this is the stored answer to an earlier request with the same Idempotency-Key",
      schema: { type: "string" as const, enum: ["true"] },
    },
  },
});
