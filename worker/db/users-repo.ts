import { and, asc, eq, gt, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { tasks, users, type UserRow } from "./schema";
import { isUniqueViolation } from "./constraint-errors";
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

export async function insertUser(db: Db, tenantId: string, input: UserCreate, now: number): Promise<UserRow> {
  try {
    const [row] = await db
      .insert(users)
      .values({ id: crypto.randomUUID(), tenantId, email: input.email, name: input.name, createdAt: now, updatedAt: now })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateEmail(input.email);
    throw err;
  }
}

export async function updateUser(db: Db, tenantId: string, id: string, input: UserUpdate, now: number): Promise<UserRow | undefined> {
  try {
    const [row] = await db
      .update(users)
      .set({ ...(input.email !== undefined && { email: input.email }), ...(input.name !== undefined && { name: input.name }), updatedAt: now })
      .where(userKey(tenantId, id))
      .returning();
    return row;
  } catch (err) {
    if (isUniqueViolation(err) && input.email) throw duplicateEmail(input.email);
    throw err;
  }
}

/** Unassigns the user's tasks and deletes the user in one transaction. */
export async function deleteUser(db: Db, tenantId: string, id: string, now: number): Promise<boolean> {
  const [, deleted] = await db.batch([
    db
      .update(tasks)
      .set({ assigneeId: null, updatedAt: now, version: sql`${tasks.version} + 1` })
      .where(and(eq(tasks.tenantId, tenantId), eq(tasks.assigneeId, id))),
    db.delete(users).where(userKey(tenantId, id)).returning({ id: users.id }),
  ]);
  return deleted.length > 0;
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
