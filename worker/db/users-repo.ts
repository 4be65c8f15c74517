import { and, asc, eq, gt, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { commitAlone, type Commit } from "./commit";
import { bumpDataVersion } from "./data-version";
import { tasks, users, type UserRow } from "./schema";
import { isBatchGuardViolation, isUniqueViolation } from "./constraint-errors";
import { clearGuard, expectOneChange, retryWhileRaced } from "./write-guard";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { toIso } from "../schemas/common";
import type { User, UserCreate, UserUpdate } from "../schemas/user";
import { ApiError } from "../errors";

export function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, createdAt: toIso(row.createdAt), updatedAt: toIso(row.updatedAt) };
}

const userKey = (tenantId: string, id: string) => and(eq(users.tenantId, tenantId), eq(users.id, id));

const duplicateEmail = (email: string) =>
  new ApiError("conflict", "A user with this email already exists in this tenant", {
    errors: [{ path: "body.email", message: `${email} is taken` }],
  });

export async function findUser(db: Db, tenantId: string, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(userKey(tenantId, id)).get();
}

export async function insertUser(db: Db, tenantId: string, input: UserCreate, now: number, commit: Commit<UserRow> = commitAlone(db)): Promise<UserRow> {
  const row: UserRow = { id: crypto.randomUUID(), tenantId, email: input.email, name: input.name, createdAt: now, updatedAt: now };
  try {
    await commit([bumpDataVersion(db, tenantId), db.insert(users).values(row)], row);
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateEmail(input.email);
    throw err;
  }
}

/**
 * Applies a patch to the user read just before, written only if every column is still as read
 * (users carry no version), so the new row is known before the write commits.
 */
export async function updateUser(
  db: Db,
  tenantId: string,
  id: string,
  input: UserUpdate,
  now: number,
  commit: Commit<UserRow> = commitAlone(db),
): Promise<UserRow | undefined> {
  try {
    return await retryWhileRaced(async () => {
      const current = await findUser(db, tenantId, id);
      if (!current) return undefined;
      const next: UserRow = { ...current, ...(input.email !== undefined && { email: input.email }), ...(input.name !== undefined && { name: input.name }), updatedAt: now };
      const unchanged = and(userKey(tenantId, id), eq(users.email, current.email), eq(users.name, current.name), eq(users.updatedAt, current.updatedAt));
      const update = db.update(users).set({ email: next.email, name: next.name, updatedAt: now }).where(unchanged);
      await commit([bumpDataVersion(db, tenantId), update, expectOneChange(db), clearGuard(db)], next);
      return next;
    });
  } catch (err) {
    if (isUniqueViolation(err) && input.email) throw duplicateEmail(input.email);
    throw err;
  }
}

/** Unassigns the user's tasks and deletes the user in one transaction; false when there is no such user. */
export async function deleteUser(db: Db, tenantId: string, id: string, now: number, commit: Commit<null> = commitAlone(db)): Promise<boolean> {
  const unassign = db
    .update(tasks)
    .set({ assigneeId: null, updatedAt: now, version: sql`${tasks.version} + 1` })
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.assigneeId, id)));
  try {
    await commit([bumpDataVersion(db, tenantId), unassign, db.delete(users).where(userKey(tenantId, id)), expectOneChange(db), clearGuard(db)], null);
    return true;
  } catch (err) {
    if (isBatchGuardViolation(err)) return false;
    throw err;
  }
}

export async function listUsers(db: Db, tenantId: string, limit: number, cursor: string | undefined): Promise<{ data: User[]; nextCursor: string | null }> {
  const conditions = [eq(users.tenantId, tenantId)];
  if (cursor) {
    const { value, id } = decodeCursor(cursor, "createdAt");
    const after = or(gt(users.createdAt, value ?? 0), and(eq(users.createdAt, value ?? 0), gt(users.id, id)));
    if (after) conditions.push(after);
  }
  const rows = await db.select().from(users).where(and(...conditions)).orderBy(asc(users.createdAt), asc(users.id)).limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(toUser),
    nextCursor: rows.length > limit && last ? encodeCursor({ sort: "createdAt", value: last.createdAt, id: last.id }) : null,
  };
}
