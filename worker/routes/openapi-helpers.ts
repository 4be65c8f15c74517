import type { z } from "@hono/zod-openapi";

/** Shorthands for route declarations. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});

export const tenantSecurity = [{ apiKey: [] }];
export const adminSecurity = [{ adminToken: [] }];
/** Probes that need no credentials (an explicit empty list, so the document says so). */
export const publicSecurity: Array<Record<string, string[]>> = [];
