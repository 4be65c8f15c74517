import { and, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./client";
import { tasks, users } from "./schema";
import { isBatchGuardViolation, isForeignKeyViolation } from "./constraint-errors";
import { newTaskRow, taskKey, taskPatch, toTask } from "./tasks-repo";
import { ApiError, type FieldError } from "../errors";
import type { BatchOperation, Task } from "../schemas/task";

export interface BatchResult {
  op: BatchOperation["op"];
  id: string;
  task: Task | null;
}

/**
 * Applies up to 100 operations as one D1 batch, which D1 runs as one transaction: all of
 * them or none. Two reads first (targets and assignees, one query each) give precise
 * per-operation errors; the writes then re-check each target's version in SQL and a guard
 * row aborts the whole batch if anything changed in between.
 */
export async function applyTaskBatch(db: Db, tenantId: string, operations: BatchOperation[], now: number): Promise<BatchResult[]> {
  const current = await readTargets(db, tenantId, operations);
  const errors = await validate(db, tenantId, operations, current);
  if (errors.conflicts.length > 0) {
    throw new ApiError("conflict", "Some tasks are not at the version the batch expected; nothing was written", { errors: errors.conflicts });
  }
  if (errors.invalid.length > 0) {
    throw new ApiError("invalid_input", "The batch has invalid operations; nothing was written", { errors: errors.invalid });
  }

  const guard = db.run(sql`INSERT INTO batch_guard (changed) VALUES (changes())`);
  const statements: BatchItem<"sqlite">[] = operations.flatMap((op): BatchItem<"sqlite">[] => {
    if (op.op === "create") return [db.insert(tasks).values(newTaskRow(tenantId, op.data, now)).returning()];
    const readVersion = current.get(op.id) ?? 0;
    const where = and(taskKey(tenantId, op.id), eq(tasks.version, readVersion));
    if (op.op === "update") return [db.update(tasks).set(taskPatch(op.data, now)).where(where).returning(), guard];
    return [db.delete(tasks).where(where).returning({ id: tasks.id }), guard];
  });
  const cleanup: BatchItem<"sqlite"> = db.run(sql`DELETE FROM batch_guard`);

  let results: readonly unknown[];
  try {
    // Never empty (cleanup closes it), which drizzle's tuple type cannot see through a spread.
    const ordered: BatchItem<"sqlite">[] = [...statements, cleanup];
    results = await db.batch(ordered as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  } catch (err) {
    if (isBatchGuardViolation(err)) {
      throw new ApiError("conflict", "A task in the batch changed while it was applied; nothing was written. Retry the batch");
    }
    if (isForeignKeyViolation(err)) {
      throw new ApiError("invalid_input", "An assignee was deleted while the batch was applied; nothing was written");
    }
    throw err;
  }

  // Results line up with statements; guard and cleanup results are skipped.
  let cursor = 0;
  return operations.map((op) => {
    const rows = results[cursor] as (typeof tasks.$inferSelect)[];
    cursor += op.op === "create" ? 1 : 2;
    const row = rows[0];
    if (op.op === "delete") return { op: op.op, id: op.id, task: null };
    if (!row) throw new Error("batch statement returned no row");
    return { op: op.op, id: row.id, task: toTask(row) };
  });
}

/** Current version of every task the batch updates or deletes (one query). */
async function readTargets(db: Db, tenantId: string, operations: BatchOperation[]): Promise<Map<string, number>> {
  const ids = operations.flatMap((op) => (op.op === "create" ? [] : [op.id]));
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: tasks.id, version: tasks.version })
    .from(tasks)
    .where(and(eq(tasks.tenantId, tenantId), inArray(tasks.id, ids)));
  return new Map(rows.map((r) => [r.id, r.version]));
}

async function validate(db: Db, tenantId: string, operations: BatchOperation[], current: Map<string, number>) {
  const invalid: FieldError[] = [];
  const conflicts: FieldError[] = [];
  const seen = new Set<string>();
  operations.forEach((op, i) => {
    if (op.op === "create") return;
    const path = `body.operations.${i}.id`;
    if (seen.has(op.id)) invalid.push({ path, message: "a task may appear only once per batch" });
    seen.add(op.id);
    const version = current.get(op.id);
    // Another tenant's task reads as missing, exactly like one that never existed.
    if (version === undefined) invalid.push({ path, message: "task not found" });
    else if (op.version !== undefined && op.version !== version) {
      conflicts.push({ path: `body.operations.${i}.version`, message: `expected version ${op.version}, current is ${version}` });
    }
  });

  const assigneeIds = [...new Set(operations.flatMap((op) => (op.op !== "delete" && op.data.assigneeId ? [op.data.assigneeId] : [])))];
  if (assigneeIds.length > 0) {
    const found = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), inArray(users.id, assigneeIds)));
    const known = new Set(found.map((u) => u.id));
    operations.forEach((op, i) => {
      if (op.op !== "delete" && op.data.assigneeId && !known.has(op.data.assigneeId)) {
        invalid.push({ path: `body.operations.${i}.data.assigneeId`, message: "no such user in this tenant" });
      }
    });
  }
  return { invalid, conflicts };
}
