import { and, eq, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "./client";
import type { Statement } from "./commit";
import { idempotencyKeys, type IdempotencyKeyRow } from "./schema";

/** What a request claims when it brings an Idempotency-Key. */
export interface KeyClaim {
  tenantId: string;
  key: string;
  method: string;
  path: string;
  bodyHash: string;
  /** Random per request. */
  claimToken: string;
}

/** The part of a first response a replay repeats. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

const keyOf = (claim: Pick<KeyClaim, "tenantId" | "key">) => and(eq(idempotencyKeys.tenantId, claim.tenantId), eq(idempotencyKeys.key, claim.key));

/** Still a claim (no answer stored) and still this request's. */
const heldBy = (claim: KeyClaim) => and(keyOf(claim), eq(idempotencyKeys.claimToken, claim.claimToken), isNull(idempotencyKeys.responseStatus));

/**
 * Claims the key unless a live row holds it (a row past `expires_at` counts as absent), and
 * returns the key's row as it stands afterwards: this request's claim, another request's claim,
 * or a stored answer. One D1 batch, so one round trip whichever it is.
 */
export async function claimKey(db: Db, claim: KeyClaim, now: number, claimTtlMs: number): Promise<IdempotencyKeyRow> {
  const { tenantId, key, ...request } = claim;
  const claimed = { ...request, responseStatus: null, responseHeaders: null, responseBody: null, createdAt: now, expiresAt: now + claimTtlMs };
  const [, rows] = await db.batch([
    db
      .insert(idempotencyKeys)
      .values({ tenantId, key, ...claimed })
      .onConflictDoUpdate({ target: [idempotencyKeys.tenantId, idempotencyKeys.key], set: claimed, setWhere: lte(idempotencyKeys.expiresAt, now) }),
    db.select().from(idempotencyKeys).where(keyOf(claim)),
  ]);
  const row = rows[0];
  if (!row) throw new Error("the idempotency key's row is missing right after its upsert");
  return row;
}

/**
 * Statements that store the answer in place of the claim, for the same D1 batch as the write
 * the answer reports. If the claim is no longer this request's (it ran past its claim and
 * another request took the key), the guard's CHECK aborts the whole batch, write included.
 */
export function storeAnswerStatements(db: Db, claim: KeyClaim, answer: StoredAnswer, expiresAt: number): Statement[] {
  return [
    db
      .update(idempotencyKeys)
      .set({ responseStatus: answer.status, responseHeaders: answer.headers, responseBody: answer.body, expiresAt })
      .where(heldBy(claim)),
    db.run(sql`INSERT INTO idempotency_claim_guard (held) VALUES (changes())`),
    db.run(sql`DELETE FROM idempotency_claim_guard`),
  ];
}

/** Frees the key after its request failed without writing: only a claim this request still holds. */
export async function releaseClaim(db: Db, claim: KeyClaim): Promise<void> {
  await db.delete(idempotencyKeys).where(heldBy(claim));
}

export function storedAnswerOf(row: IdempotencyKeyRow): StoredAnswer | undefined {
  if (row.responseStatus === null) return undefined;
  return { status: row.responseStatus, headers: row.responseHeaders ?? {}, body: row.responseBody };
}

/** Deletes every row past its expiry, a chunk per statement so no single statement runs long. */
export async function deleteExpiredKeys(db: Db, now: number, chunk = 1000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await db.run(
      sql`DELETE FROM ${idempotencyKeys} WHERE rowid IN (SELECT rowid FROM ${idempotencyKeys} WHERE ${idempotencyKeys.expiresAt} <= ${now} LIMIT ${chunk})`,
    );
    deleted += result.meta.changes;
    if (result.meta.changes < chunk) return deleted;
  }
}
