import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";
import { commitAlone, type Commit } from "./commit";
import { bumpDataVersion } from "./data-version";
import { tasks, type TaskRow } from "./schema";
import { clearGuard, expectOneChange, retryWhileRaced } from "./write-guard";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { toIso, toIsoOrNull } from "../schemas/common";
import type { Task, TaskCreate, TaskListQuery, TaskUpdate } from "../schemas/task";
import { ApiError } from "../errors";
import { isBatchGuardViolation } from "./constraint-errors";

/** A task as the API sees it: every column but the internal `seq`. */
export type TaskRecord = Omit<TaskRow, "seq">;

export function toTask(row: TaskRecord): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    dueDate: toIsoOrNull(row.dueDate),
    assigneeId: row.assigneeId,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
    version: row.version,
  };
}

const isoToMs = (iso: string | null | undefined): number | null | undefined =>
  iso === undefined ? undefined : iso === null ? null : Date.parse(iso);

export function newTaskRow(tenantId: string, input: TaskCreate, now: number): TaskRecord {
  return {
    id: crypto.randomUUID(),
    tenantId,
    title: input.title,
    description: input.description ?? "",
    status: input.status ?? "pending",
    priority: input.priority ?? "medium",
    dueDate: isoToMs(input.dueDate) ?? null,
    assigneeId: input.assigneeId ?? null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/** The fields an update changes: only those given. */
function changedFields(input: TaskUpdate) {
  const dueDate = isoToMs(input.dueDate);
  return {
    ...(input.title !== undefined && { title: input.title }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.status !== undefined && { status: input.status }),
    ...(input.priority !== undefined && { priority: input.priority }),
    ...(dueDate !== undefined && { dueDate }),
    ...(input.assigneeId !== undefined && { assigneeId: input.assigneeId }),
  };
}

/** The SET clause of an update: only the fields given, plus the bookkeeping. */
export function taskPatch(input: TaskUpdate, now: number) {
  return { ...changedFields(input), updatedAt: now, version: sql`${tasks.version} + 1` };
}

export const taskKey = (tenantId: string, id: string) => and(eq(tasks.tenantId, tenantId), eq(tasks.id, id));

export async function findTask(db: Db, tenantId: string, id: string): Promise<TaskRow | undefined> {
  return db.select().from(tasks).where(taskKey(tenantId, id)).get();
}

/** The row as `taskPatch` leaves it, computed from the row it applies to. */
export function patchedRow(current: TaskRecord, input: TaskUpdate, now: number): TaskRecord {
  return { ...current, ...changedFields(input), updatedAt: now, version: current.version + 1 };
}

export async function insertTask(db: Db, tenantId: string, input: TaskCreate, now: number, commit: Commit<TaskRecord> = commitAlone(db)): Promise<TaskRecord> {
  const row = newTaskRow(tenantId, input, now);
  await commit([bumpDataVersion(db, tenantId), db.insert(tasks).values(row)], row);
  return row;
}

/**
 * Applies a patch if the task exists and, when `expectedVersion` is given, is still at that
 * version. Returns the new row, or why not: `missing` (404) or `stale` (412). The new row is
 * computed from the row read and written only if the task is still at that version (every
 * change bumps it), so the answer is known before the write commits.
 */
export async function updateTask(
  db: Db,
  tenantId: string,
  id: string,
  input: TaskUpdate,
  expectedVersion: number | undefined,
  now: number,
  commit: Commit<TaskRecord> = commitAlone(db),
): Promise<TaskRecord | "missing" | "stale"> {
  return retryWhileRaced(async () => {
    const current = await findTask(db, tenantId, id);
    if (!current) return "missing";
    if (expectedVersion !== undefined && current.version !== expectedVersion) return "stale";
    const update = db.update(tasks).set(taskPatch(input, now)).where(and(taskKey(tenantId, id), eq(tasks.version, current.version)));
    const next = patchedRow(current, input, now);
    await commit([bumpDataVersion(db, tenantId), update, expectOneChange(db), clearGuard(db)], next);
    return next;
  });
}

export async function deleteTask(
  db: Db,
  tenantId: string,
  id: string,
  expectedVersion: number | undefined,
  commit: Commit<null> = commitAlone(db),
): Promise<"deleted" | "missing" | "stale"> {
  const where = expectedVersion === undefined ? taskKey(tenantId, id) : and(taskKey(tenantId, id), eq(tasks.version, expectedVersion));
  try {
    await commit([bumpDataVersion(db, tenantId), db.delete(tasks).where(where), expectOneChange(db), clearGuard(db)], null);
    return "deleted";
  } catch (err) {
    if (!isBatchGuardViolation(err)) throw err;
    return (await findTask(db, tenantId, id)) ? "stale" : "missing";
  }
}

const SORT_COLUMNS = { createdAt: tasks.createdAt, updatedAt: tasks.updatedAt, dueDate: tasks.dueDate } as const;

/**
 * Turns free text into an FTS5 query: every word must match as a prefix. Words are quoted, so
 * FTS5 operators in user input are plain text, never syntax.
 */
export function ftsQuery(text: string): string {
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (words.length === 0) {
    throw new ApiError("invalid_input", "The search text has no letters or digits", {
      errors: [{ path: "query.q", message: "must contain at least one letter or digit" }],
    });
  }
  return words.slice(0, 16).map((w) => `"${w}"*`).join(" ");
}

/**
 * Keyset condition "after the cursor" for a sort column that may hold NULLs. SQLite orders
 * NULL before every value ascending and after every value descending; ties break on id.
 */
function afterCursor(col: SQLiteColumn, descending: boolean, value: number | null, id: string): SQL {
  const idAfter = descending ? lt(tasks.id, id) : gt(tasks.id, id);
  const valueAfter = descending ? lt(col, value ?? 0) : gt(col, value ?? 0);
  if (value === null) {
    return descending ? and(isNull(col), idAfter)! : or(and(isNull(col), idAfter), isNotNull(col))!;
  }
  const sameValueLaterId = and(eq(col, value), idAfter)!;
  return descending ? or(valueAfter, sameValueLaterId, isNull(col))! : or(valueAfter, sameValueLaterId)!;
}

export function listConditions(tenantId: string, query: TaskListQuery): SQL[] {
  const conditions: SQL[] = [eq(tasks.tenantId, tenantId)];
  if (query.status) conditions.push(inArray(tasks.status, query.status));
  if (query.priority) conditions.push(inArray(tasks.priority, query.priority));
  if (query.assigneeId) conditions.push(eq(tasks.assigneeId, query.assigneeId));
  if (query.dueAfter) conditions.push(gte(tasks.dueDate, Date.parse(query.dueAfter)));
  if (query.dueBefore) conditions.push(lt(tasks.dueDate, Date.parse(query.dueBefore)));
  if (query.q) conditions.push(sql`${tasks.seq} IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ${ftsQuery(query.q)})`);
  return conditions;
}

/** The page query (one row more than the limit, to know whether another page exists). */
export function listQuery(db: Db, tenantId: string, query: TaskListQuery) {
  const { column, descending } = sortOf(query);
  const conditions = listConditions(tenantId, query);
  if (query.cursor) {
    const position = decodeCursor(query.cursor, query.sort);
    conditions.push(afterCursor(column, descending, position.value, position.id));
  }
  const order = descending ? [desc(column), desc(tasks.id)] : [asc(column), asc(tasks.id)];
  return db
    .select()
    .from(tasks)
    .where(and(...conditions))
    .orderBy(...order)
    .limit(query.limit + 1);
}

function sortOf(query: TaskListQuery) {
  const descending = query.sort.startsWith("-");
  const name = (descending ? query.sort.slice(1) : query.sort) as keyof typeof SORT_COLUMNS;
  return { name, column: SORT_COLUMNS[name], descending };
}

/** A page as the API answers it, from the rows of `listQuery` (one more than the limit). */
export function pageOf(rows: readonly TaskRow[], query: TaskListQuery): TaskPage {
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > query.limit && last ? encodeCursor({ sort: query.sort, value: last[sortOf(query).name], id: last.id }) : null;
  return { data: page.map(toTask), nextCursor };
}

export interface TaskPage {
  data: Task[];
  nextCursor: string | null;
}

export async function listTasks(db: Db, tenantId: string, query: TaskListQuery): Promise<TaskPage> {
  return pageOf(await listQuery(db, tenantId, query), query);
}

export interface TaskStats {
  total: number;
  byStatus: { pending: number; in_progress: number; completed: number };
  byPriority: { low: number; medium: number; high: number };
  overdue: number;
  asOf: string;
}

/** Stats and how long they stay true without a write: `overdue` grows as due dates pass. */
export interface TimedStats {
  stats: TaskStats;
  /**
   * The last instant (ms) at which `overdue` is still what it was at `asOf`: the earliest due
   * date not yet passed among open tasks (a task is overdue once now > its due date), or
   * Infinity when no open task has one ahead.
   */
  trueUntil: number;
}

/** One grouped query over the covering (tenant, status, priority, due) index. */
export function statsQuery(db: Db, tenantId: string, now: number) {
  return db
    .select({
      status: tasks.status,
      priority: tasks.priority,
      count: sql<number>`count(*)`,
      overdue: sql<number>`sum(${tasks.dueDate} < ${now} and ${tasks.status} != 'completed')`,
      nextDue: sql<number | null>`min(case when ${tasks.dueDate} >= ${now} and ${tasks.status} != 'completed' then ${tasks.dueDate} end)`,
    })
    .from(tasks)
    .where(eq(tasks.tenantId, tenantId))
    .groupBy(tasks.status, tasks.priority);
}

type StatsGroup = Awaited<ReturnType<typeof statsQuery>>[number];

export function statsOf(groups: readonly StatsGroup[], now: number): TimedStats {
  const stats: TaskStats = {
    total: 0,
    byStatus: { pending: 0, in_progress: 0, completed: 0 },
    byPriority: { low: 0, medium: 0, high: 0 },
    overdue: 0,
    asOf: toIso(now),
  };
  let trueUntil = Infinity;
  for (const g of groups) {
    stats.total += g.count;
    stats.byStatus[g.status] += g.count;
    stats.byPriority[g.priority] += g.count;
    stats.overdue += g.overdue ?? 0;
    if (g.nextDue !== null) trueUntil = Math.min(trueUntil, g.nextDue);
  }
  return { stats, trueUntil };
}

export async function taskStats(db: Db, tenantId: string, now: number): Promise<TaskStats> {
  return statsOf(await statsQuery(db, tenantId, now), now).stats;
}
