import { z } from "@hono/zod-openapi";
import { QuotaOverridesSchema, QuotaSchema } from "./quota";

export const TenantCreateSchema = z
  .strictObject({ name: z.string().trim().min(1).max(200), quota: QuotaOverridesSchema.optional() })
  .openapi("TenantCreate");

export const TenantSchema = z
  .object({ id: z.string(), name: z.string(), quota: QuotaSchema, quotaOverrides: QuotaOverridesSchema, createdAt: z.string() })
  .openapi("Tenant");

export const TenantCreatedSchema = TenantSchema.extend({
  apiKey: z.string().openapi({ description: "Shown once; only its SHA-256 is stored" }),
  apiKeyId: z.string(),
}).openapi("TenantCreated");

export const ApiKeySchema = z
  .object({ id: z.string(), prefix: z.string(), createdAt: z.string(), revokedAt: z.string().nullable() })
  .openapi("ApiKey");

export const ApiKeyIssuedSchema = ApiKeySchema.extend({ apiKey: z.string() }).openapi("ApiKeyIssued");

export const KeyParamsSchema = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" } }),
  keyId: z.string().min(1).max(64).openapi({ param: { name: "keyId", in: "path" } }),
});
