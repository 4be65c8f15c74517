import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { createDb } from "../db/client";
import type { ApiKeyRow, TenantRow } from "../db/schema";
import { createTenant, findTenant, issueKey, listKeys, revokeKey, setTenantQuota } from "../db/tenants-repo";
import { ApiError, notFound } from "../errors";
import { forgetTenantKeys, rememberIssuedKey } from "../middleware/auth";
import { IdParamSchema, problemResponses, toIso, toIsoOrNull } from "../schemas/common";
import { QuotaOverridesSchema, quotaProblems, resolveQuota, type QuotaOverrides } from "../schemas/quota";
import { ApiKeyIssuedSchema, ApiKeySchema, KeyParamsSchema, TenantCreatedSchema, TenantCreateSchema, TenantSchema } from "../schemas/tenant";
import { forgetIsolateLease } from "../admission/admission-run";
import { admissionController } from "../admission/controller";
import { AdmissionStateSchema } from "../schemas/admission";
import { adminSecurity as security, jsonBody, jsonResponse } from "./openapi-helpers";
import { createRouteApp } from "./route-app";

export const adminApp = createRouteApp();

/**
 * The tenant with its effective quota: the vars' defaults under its overrides, and in `routeCosts`
 * every route that does not cost the default 1 token (DESIGN.md section 3), overrides included.
 */
function tenantView(c: Context<AppEnv>, row: TenantRow) {
  const overrides = (row.quota as QuotaOverrides | null) ?? {};
  const quota = resolveQuota(overrides, c.get("config"));
  const effective = { ...quota, routeCosts: { ...c.get("declaredRouteCosts"), ...quota.routeCosts } };
  return { id: row.id, name: row.name, quota: effective, quotaOverrides: overrides, createdAt: toIso(row.createdAt) };
}

const keyView = (row: ApiKeyRow) => ({ id: row.id, prefix: row.prefix, createdAt: toIso(row.createdAt), revokedAt: toIsoOrNull(row.revokedAt) });

/** Rejects a quota whose fields are each valid but which contradict one another. */
function checkQuota(c: Context<AppEnv>, overrides: QuotaOverrides | undefined): void {
  const problems = quotaProblems(resolveQuota(overrides, c.get("config")), c.get("routeKeys"));
  if (problems.length > 0) throw new ApiError("invalid_input", "The quota is inconsistent", { errors: problems });
}

adminApp.openapi(
  createRoute({
    method: "post",
    path: "/tenants",
    operationId: "createTenant",
    tags: ["admin"],
    summary: "Create a tenant and its first API key (shown once)",
    security,
    request: jsonBody(TenantCreateSchema),
    responses: { 201: jsonResponse(TenantCreatedSchema, "The tenant, its effective quota and its API key"), ...problemResponses(400, 401, 403, 413, 415) },
  }),
  async (c) => {
    const { name, quota } = c.req.valid("json");
    checkQuota(c, quota);
    const created = await createTenant(createDb(c.env.DB), name, quota, Date.now());
    rememberIssuedKey(created.apiKey);
    c.header("location", `/admin/tenants/${created.tenant.id}`);
    return c.json({ ...tenantView(c, created.tenant), apiKey: created.apiKey, apiKeyId: created.key.id }, 201);
  },
);

adminApp.openapi(
  createRoute({
    method: "get",
    path: "/tenants/{id}",
    operationId: "getTenant",
    tags: ["admin"],
    summary: "A tenant with its effective quota",
    security,
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(TenantSchema, "The tenant"), ...problemResponses(401, 403, 404) },
  }),
  async (c) => {
    const row = await findTenant(createDb(c.env.DB), c.req.valid("param").id);
    if (!row) throw notFound("Tenant");
    return c.json(tenantView(c, row), 200);
  },
);

adminApp.openapi(
  createRoute({
    method: "get",
    path: "/tenants/{id}/quota",
    operationId: "getTenantQuota",
    tags: ["admin"],
    summary: "The tenant's effective quota",
    security,
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(TenantSchema.shape.quota, "Effective quota"), ...problemResponses(401, 403, 404) },
  }),
  async (c) => {
    const row = await findTenant(createDb(c.env.DB), c.req.valid("param").id);
    if (!row) throw notFound("Tenant");
    return c.json(tenantView(c, row).quota, 200);
  },
);

adminApp.openapi(
  createRoute({
    method: "put",
    path: "/tenants/{id}/quota",
    operationId: "replaceTenantQuota",
    tags: ["admin"],
    summary: "Replace the tenant's quota overrides; effective at once",
    security,
    request: { params: IdParamSchema, ...jsonBody(QuotaOverridesSchema) },
    responses: { 200: jsonResponse(TenantSchema, "The tenant with its new quota"), ...problemResponses(400, 401, 403, 404, 413, 415) },
  }),
  async (c) => {
    const overrides = c.req.valid("json");
    checkQuota(c, overrides);
    const id = c.req.valid("param").id;
    const row = await setTenantQuota(createDb(c.env.DB), id, overrides);
    if (!row) throw notFound("Tenant");
    forgetTenantKeys(id);
    forgetIsolateLease(id);
    const view = tenantView(c, row);
    // Pushed to the tenant's controller so it applies at once, not when caches expire.
    await admissionController(c, id).configure(view.quota);
    return c.json(view, 200);
  },
);

adminApp.openapi(
  createRoute({
    method: "get",
    path: "/tenants/{id}/keys",
    operationId: "listTenantKeys",
    tags: ["admin"],
    summary: "List the tenant's API keys (prefixes only)",
    security,
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(z.object({ data: z.array(ApiKeySchema) }), "Keys"), ...problemResponses(401, 403, 404) },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const id = c.req.valid("param").id;
    if (!(await findTenant(db, id))) throw notFound("Tenant");
    return c.json({ data: (await listKeys(db, id)).map(keyView) }, 200);
  },
);

adminApp.openapi(
  createRoute({
    method: "post",
    path: "/tenants/{id}/keys",
    operationId: "issueTenantKey",
    tags: ["admin"],
    summary: "Issue a new API key (shown once)",
    security,
    request: { params: IdParamSchema },
    responses: { 201: jsonResponse(ApiKeyIssuedSchema, "The new key"), ...problemResponses(401, 403, 404) },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const id = c.req.valid("param").id;
    if (!(await findTenant(db, id))) throw notFound("Tenant");
    const { key, apiKey } = await issueKey(db, id, Date.now());
    rememberIssuedKey(apiKey);
    return c.json({ ...keyView(key), apiKey }, 201);
  },
);

adminApp.openapi(
  createRoute({
    method: "delete",
    path: "/tenants/{id}/keys/{keyId}",
    operationId: "revokeTenantKey",
    tags: ["admin"],
    summary: "Revoke an API key (idempotent)",
    security,
    request: { params: KeyParamsSchema },
    responses: { 204: { description: "Revoked" }, ...problemResponses(401, 403, 404) },
  }),
  async (c) => {
    const { id, keyId } = c.req.valid("param");
    const row = await revokeKey(createDb(c.env.DB), id, keyId, Date.now());
    if (!row) throw notFound("API key");
    forgetTenantKeys(id);
    return c.body(null, 204);
  },
);

adminApp.openapi(
  createRoute({
    method: "get",
    path: "/tenants/{id}/admission",
    operationId: "getTenantAdmission",
    tags: ["admin"],
    summary: "Live admission state of the tenant's controller",
    security,
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(AdmissionStateSchema, "Limit, inflight, queues, tokens, load level, decisions"), ...problemResponses(401, 403, 404) },
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const row = await findTenant(createDb(c.env.DB), id);
    if (!row) throw notFound("Tenant");
    return c.json(await admissionController(c, id).state(tenantView(c, row).quota), 200);
  },
);
