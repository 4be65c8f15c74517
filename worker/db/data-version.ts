import { eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import type { Statement } from "./commit";
import { tenantDataVersions } from "./schema";

/**
 * The tenant's data version (DESIGN.md section 9). Every write puts `bumpDataVersion` in its own
 * D1 batch, so the version moves exactly when the data does: in the same transaction, never
 * before or after it. A cached read is served only while the version it was stored under is
 * still the version in D1.
 */
export const bumpDataVersion = (db: Db, tenantId: string): Statement =>
  db
    .insert(tenantDataVersions)
    .values({ tenantId, version: 1 })
    .onConflictDoUpdate({ target: tenantDataVersions.tenantId, set: { version: sql`${tenantDataVersions.version} + 1` } });

/** The version read on its own (a primary-key lookup) or in a batch beside the read it labels. */
export const dataVersionQuery = (db: Db, tenantId: string) =>
  db.select({ version: tenantDataVersions.version }).from(tenantDataVersions).where(eq(tenantDataVersions.tenantId, tenantId));

/** The version those rows hold: 0 while the tenant has never written. */
export const versionOf = (rows: readonly { version: number }[]): number => rows[0]?.version ?? 0;

export async function readDataVersion(db: Db, tenantId: string): Promise<number> {
  return versionOf(await dataVersionQuery(db, tenantId));
}
