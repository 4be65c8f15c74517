import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, TenantContext } from "../app-env";
import { UnknownKeyGate } from "../auth/unknown-key-gate";
import { retryAfterSeconds } from "../admission/headers";
import { isolateCaches } from "../cache/isolate-caches";
import type { Db } from "../db/client";
import { dbOf } from "../db/request-db";
import { activeKeyPrefixes, keyPrefixesCreatedSince, tenantByKeyHash } from "../db/tenants-repo";
import { ApiError } from "../errors";
import { API_KEY_PATTERN } from "../lib/api-keys";
import { secretsEqual, sha256Hex } from "../lib/crypto";
import { resolveQuota, type QuotaOverrides } from "../schemas/quota";

const unauthorized = (detail: string) =>
  new ApiError("unauthorized", detail, { headers: { "www-authenticate": 'Bearer realm="taskflow"' } });

const INVALID_KEY = "The API key is not valid or has been revoked";

const tooManyFailures = (retryAfterMs: number) =>
  new ApiError("rate_limited", "Too many failed API key lookups from this client or at this edge; retry after Retry-After seconds", {
    headers: { "retry-after": retryAfterSeconds(retryAfterMs) },
    extensions: { reason: "auth_failures", retryAfterMs },
  });

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

/**
 * The tenant of a key this isolate validated and still holds, for the Worker's door (no lookup,
 * no hashing). Not counted as a cache lookup: a request the door lets through is counted by
 * tenantAuth, and door refusals under a flood would read as a hit rate the app never had.
 */
export function knownTenant(authorization: string | null): TenantContext | undefined {
  const key = bearerToken(authorization ?? undefined);
  return key === undefined ? undefined : tenantCache.peek(key);
}

/** Bounds what keys this isolate has not validated cost D1 (worker/auth/unknown-key-gate.ts). */
const unknownKeys = new UnknownKeyGate(undefined, Date.now, (err) =>
  console.warn(JSON.stringify({ level: "warn", event: "key_prefix_refresh_failed", error: String(err) })),
);

/**
 * The gate's memory of valid keys stays: it only spares a lookup the failure budget, and a
 * revoked key's next lookup fails and is forgotten there (so a quota change, which also calls
 * this, never puts a tenant's key behind a flood).
 */
export function forgetTenantKeys(tenantId?: string): void {
  tenantCache.deleteWhere((tenant) => tenantId === undefined || tenant.id === tenantId);
}

/** A key this isolate just issued: usable here at once, without a prefix refresh or budget. */
export function rememberIssuedKey(key: string): void {
  unknownKeys.issued(key);
}

/**
 * The client's address as the platform gives it; Cloudflare sets `CF-Connecting-IP` and
 * overwrites one a client sent. Without it (local runs) every client shares one budget.
 */
function clientAddress(header: string | undefined): string {
  return header ? header.slice(0, 64) : "unknown";
}

const prefixSource = (db: Db) => ({ all: () => activeKeyPrefixes(db), createdSince: (since: number) => keyPrefixesCreatedSince(db, since) });

/**
 * The tenant of a well-formed API key: from this isolate's memory, else looked up in D1 behind
 * the unknown-key gate and its failure budget (undefined when no active key matches).
 */
async function tenantOfKey(c: Context<AppEnv>, key: string): Promise<TenantContext | undefined> {
  const known = tenantCache.get(key);
  if (known) return known;
  const db = dbOf(c);
  const pass = await unknownKeys.pass(key, clientAddress(c.req.header("cf-connecting-ip")), prefixSource(db));
  if (pass.kind === "refused") return undefined;
  if (pass.kind === "over_budget") throw tooManyFailures(pass.retryAfterMs);
  const found = await tenantByKeyHash(db, await sha256Hex(key));
  if (!found) {
    unknownKeys.notFound(key);
    return undefined;
  }
  unknownKeys.found(key, pass);
  const tenant = { id: found.tenant.id, name: found.tenant.name, quota: resolveQuota((found.tenant.quota as QuotaOverrides | null) ?? null, c.get("config")) };
  tenantCache.set(key, tenant);
  return tenant;
}

export const tenantAuth = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearerToken(c.req.header("authorization"));
  if (!key) throw unauthorized("Send your API key as `Authorization: Bearer <key>`");
  if (!API_KEY_PATTERN.test(key)) throw unauthorized("The API key is not valid");
  const tenant = await tenantOfKey(c, key);
  if (!tenant) throw unauthorized(INVALID_KEY);
  c.set("tenant", tenant);
  await next();
});

export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) throw new ApiError("misconfigured", "ADMIN_TOKEN is not set; put it in .dev.vars or `wrangler secret put ADMIN_TOKEN`");
  if (!token || !(await secretsEqual(token, expected))) {
    // A valid tenant key is a credential, only not one for this: 403 (DESIGN.md section 2), not 401.
    if (token && API_KEY_PATTERN.test(token) && (await tenantOfKey(c, token))) {
      throw new ApiError("forbidden", "An API key is a tenant's credential; operator routes need `Authorization: Bearer <ADMIN_TOKEN>`");
    }
    throw unauthorized("Admin routes need `Authorization: Bearer <ADMIN_TOKEN>`");
  }
  await next();
});
