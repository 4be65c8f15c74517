import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "./client";
import { commitAlone, type Commit, type Statement } from "./commit";
import { bumpDataVersion } from "./data-version";
import { tasks, users, type TaskRow } from "./schema";
import { isBatchGuardViolation, isForeignKeyViolation } from "./constraint-errors";
import { newTaskRow, patchedRow, taskKey, taskPatch, toTask } from "./tasks-repo";
import { clearGuard, expectOneChange } from "./write-guard";
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
 * per-operation errors and the rows the results are computed from; the writes then re-check
 * each target's version in SQL and a guard row aborts the whole batch if anything changed in
 * between, so the results are known before the batch runs (and `commit` may store them with it).
 */
export async function applyTaskBatch(
  db: Db,
  tenantId: string,
  operations: BatchOperation[],
  now: number,
  commit: Commit<BatchResult[]> = commitAlone(db),
): Promise<BatchResult[]> {
  const current = await readTargets(db, tenantId, operations);
  const errors = await validate(db, tenantId, operations, current);
  if (errors.conflicts.length > 0) {
    throw new ApiError("conflict", "Some tasks are not at the version the batch expected; nothing was written", { errors: errors.conflicts });
  }
  if (errors.invalid.length > 0) {
    throw new ApiError("invalid_input", "The batch has invalid operations; nothing was written", { errors: errors.invalid });
  }

  const statements: Statement[] = [bumpDataVersion(db, tenantId)];
  const results = operations.map((op): BatchResult => {
    if (op.op === "create") {
      const row = newTaskRow(tenantId, op.data, now);
      statements.push(db.insert(tasks).values(row));
      return { op: op.op, id: row.id, task: toTask(row) };
    }
    const read = current.get(op.id);
    if (!read) throw new Error("validate() lets no operation on a missing task through");
    const where = and(taskKey(tenantId, op.id), eq(tasks.version, read.version));
    if (op.op === "update") {
      statements.push(db.update(tasks).set(taskPatch(op.data, now)).where(where), expectOneChange(db));
      return { op: op.op, id: op.id, task: toTask(patchedRow(read, op.data, now)) };
    }
    statements.push(db.delete(tasks).where(where), expectOneChange(db));
    return { op: op.op, id: op.id, task: null };
  });
  statements.push(clearGuard(db));

  try {
    await commit(statements, results);
  } catch (err) {
    if (isBatchGuardViolation(err)) {
      throw new ApiError("conflict", "A task in the batch changed while it was applied; nothing was written. Retry the batch");
    }
    if (isForeignKeyViolation(err)) {
      throw new ApiError("invalid_input", "An assignee was deleted while the batch was applied; nothing was written");
    }
    throw err;
  }
  return results;
}

/** Every task the batch updates or deletes, as it is now (one query). */
async function readTargets(db: Db, tenantId: string, operations: BatchOperation[]): Promise<Map<string, TaskRow>> {
  const ids = operations.flatMap((op) => (op.op === "create" ? [] : [op.id]));
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.tenantId, tenantId), inArray(tasks.id, ids)));
  return new Map(rows.map((r) => [r.id, r]));
}

async function validate(db: Db, tenantId: string, operations: BatchOperation[], current: Map<string, TaskRow>) {
  const invalid: FieldError[] = [];
  const conflicts: FieldError[] = [];
  const seen = new Set<string>();
  operations.forEach((op, i) => {
    if (op.op === "create") return;
    const path = `body.operations.${i}.id`;
    if (seen.has(op.id)) invalid.push({ path, message: "a task may appear only once per batch" });
    seen.add(op.id);
    const version = current.get(op.id)?.version;
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
