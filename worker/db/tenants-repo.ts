import { and, asc, eq, gte, isNull } from "drizzle-orm";
import type { Db } from "./client";
import { apiKeys, tenants, type ApiKeyRow, type TenantRow } from "./schema";
import { generateApiKey } from "../lib/api-keys";
import type { QuotaOverrides } from "../schemas/quota";

export interface CreatedTenant {
  tenant: TenantRow;
  key: ApiKeyRow;
  apiKey: string;
}

/** Tenant and its first key in one transaction: never a tenant nobody can use. */
export async function createTenant(db: Db, name: string, quota: QuotaOverrides | undefined, now: number): Promise<CreatedTenant> {
  const tenantId = crypto.randomUUID();
  const secret = await generateApiKey();
  const [[tenant], [key]] = await db.batch([
    db.insert(tenants).values({ id: tenantId, name, quota: quota ?? null, createdAt: now }).returning(),
    db.insert(apiKeys).values({ id: crypto.randomUUID(), tenantId, prefix: secret.prefix, hash: secret.hash, createdAt: now }).returning(),
  ]);
  if (!tenant || !key) throw new Error("tenant insert returned no row");
  return { tenant, key, apiKey: secret.key };
}

export async function findTenant(db: Db, id: string): Promise<TenantRow | undefined> {
  return db.select().from(tenants).where(eq(tenants.id, id)).get();
}

export async function setTenantQuota(db: Db, id: string, quota: QuotaOverrides): Promise<TenantRow | undefined> {
  const [row] = await db.update(tenants).set({ quota }).where(eq(tenants.id, id)).returning();
  return row;
}

export async function issueKey(db: Db, tenantId: string, now: number): Promise<{ key: ApiKeyRow; apiKey: string }> {
  const secret = await generateApiKey();
  const [key] = await db
    .insert(apiKeys)
    .values({ id: crypto.randomUUID(), tenantId, prefix: secret.prefix, hash: secret.hash, createdAt: now })
    .returning();
  if (!key) throw new Error("key insert returned no row");
  return { key, apiKey: secret.key };
}

export async function revokeKey(db: Db, tenantId: string, keyId: string, now: number): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
    .returning();
  return row ?? (await db.select().from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId))).get());
}

export async function listKeys(db: Db, tenantId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.tenantId, tenantId)).orderBy(asc(apiKeys.createdAt));
}

/** The tenant behind an active key, by the key's hash (unique index). */
export async function tenantByKeyHash(db: Db, hash: string): Promise<{ tenant: TenantRow; keyId: string } | undefined> {
  const row = await db
    .select({ tenant: tenants, keyId: apiKeys.id })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .get();
  return row;
}

/** Prefixes of every active key: the known-prefix filter's full load (worker/auth/known-key-prefixes.ts). */
export async function activeKeyPrefixes(db: Db): Promise<{ prefix: string; createdAt: number }[]> {
  return db.select({ prefix: apiKeys.prefix, createdAt: apiKeys.createdAt }).from(apiKeys).where(isNull(apiKeys.revokedAt));
}

/** Prefixes of keys created at or after `since` (index `api_keys_created_idx`): the filter's refresh. */
export async function keyPrefixesCreatedSince(db: Db, since: number): Promise<{ prefix: string; createdAt: number }[]> {
  return db.select({ prefix: apiKeys.prefix, createdAt: apiKeys.createdAt }).from(apiKeys).where(gte(apiKeys.createdAt, since));
}
