import { createMiddleware } from "hono/factory";
import type { AppEnv, TenantContext } from "../app-env";
import { isolateCaches } from "../cache/isolate-caches";
import { createDb } from "../db/client";
import { tenantByKeyHash } from "../db/tenants-repo";
import { ApiError } from "../errors";
import { API_KEY_PATTERN } from "../lib/api-keys";
import { secretsEqual, sha256Hex } from "../lib/crypto";
import { resolveQuota, type QuotaOverrides } from "../schemas/quota";

const unauthorized = (detail: string) =>
  new ApiError("unauthorized", detail, { headers: { "www-authenticate": 'Bearer realm="taskflow"' } });

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * Key -> tenant, per isolate. A short TTL bounds how long a revoked key keeps working in
 * other isolates; the isolate that revokes it forgets it at once (`forgetTenantKeys`).
 */
export const AUTH_CACHE_TTL_MS = 10_000;
/**
 * Keyed by the key itself, so a hit costs no hashing (on an overloaded isolate every await
 * is another trip through the event loop); the key is already in this isolate's memory as
 * part of the request. Only the SHA-256 ever reaches storage.
 */
const tenantCache = isolateCaches.define<TenantContext>("auth", { ttlMs: AUTH_CACHE_TTL_MS });

export function forgetTenantKeys(tenantId?: string): void {
  tenantCache.deleteWhere((tenant) => tenantId === undefined || tenant.id === tenantId);
}

export const tenantAuth = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearerToken(c.req.header("authorization"));
  if (!key) throw unauthorized("Send your API key as `Authorization: Bearer <key>`");
  if (!API_KEY_PATTERN.test(key)) throw unauthorized("The API key is not valid");
  let tenant = tenantCache.get(key);
  if (!tenant) {
    const found = await tenantByKeyHash(createDb(c.env.DB), await sha256Hex(key));
    if (!found) throw unauthorized("The API key is not valid or has been revoked");
    tenant = { id: found.tenant.id, name: found.tenant.name, quota: resolveQuota((found.tenant.quota as QuotaOverrides | null) ?? null, c.get("config")) };
    tenantCache.set(key, tenant);
  }
  c.set("tenant", tenant);
  await next();
});

export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) throw new ApiError("misconfigured", "ADMIN_TOKEN is not set; put it in .dev.vars or `wrangler secret put ADMIN_TOKEN`");
  if (!token || !(await secretsEqual(token, expected))) throw unauthorized("Admin routes need `Authorization: Bearer <ADMIN_TOKEN>`");
  await next();
});
