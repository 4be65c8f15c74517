import { z } from "@hono/zod-openapi";
import { IsoDateTime, commaList } from "./common";

export const TASK_STATUSES = ["pending", "in_progress", "completed"] as const;
export const TASK_PRIORITIES = ["low", "medium", "high"] as const;
export const TASK_SORTS = ["createdAt", "-createdAt", "updatedAt", "-updatedAt", "dueDate", "-dueDate"] as const;

const title = z.string().trim().min(1).max(200);
const description = z.string().max(10_000);
const status = z.enum(TASK_STATUSES);
const priority = z.enum(TASK_PRIORITIES);
const dueDate = IsoDateTime.nullable();
const assigneeId = z.string().min(1).max(64).nullable();

export const TaskSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    status,
    priority,
    dueDate: z.string().nullable(),
    assigneeId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi("Task");

export const TaskCreateSchema = z
  .strictObject({
    title,
    description: description.optional(),
    status: status.optional(),
    priority: priority.optional(),
    dueDate: dueDate.optional(),
    assigneeId: assigneeId.optional(),
  })
  .openapi("TaskCreate");

export const TaskUpdateSchema = z
  .strictObject({
    title: title.optional(),
    description: description.optional(),
    status: status.optional(),
    priority: priority.optional(),
    dueDate: dueDate.optional(),
    assigneeId: assigneeId.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, "At least one field must be given")
  .openapi("TaskUpdate");

export const TaskListQuerySchema = z.object({
  status: commaList(TASK_STATUSES).optional().openapi({ example: "pending,in_progress" }),
  priority: commaList(TASK_PRIORITIES).optional().openapi({ example: "high" }),
  assigneeId: z.string().min(1).max(64).optional(),
  dueAfter: IsoDateTime.optional(),
  dueBefore: IsoDateTime.optional(),
  q: z.string().trim().min(1).max(200).optional().openapi({ description: "Full-text search over title and description (word prefixes)" }),
  sort: z.enum(TASK_SORTS).default("-createdAt"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});

export const TaskListSchema = z
  .object({ data: z.array(TaskSchema), nextCursor: z.string().nullable() })
  .openapi("TaskList");

export const TaskStatsSchema = z
  .object({
    total: z.number().int(),
    byStatus: z.object({ pending: z.number().int(), in_progress: z.number().int(), completed: z.number().int() }),
    byPriority: z.object({ low: z.number().int(), medium: z.number().int(), high: z.number().int() }),
    overdue: z.number().int(),
    asOf: z.string(),
  })
  .openapi("TaskStats");

const versionField = z.number().int().min(1).optional().openapi({ description: "Expected current version; the batch fails with 409 if it differs" });

export const BatchOperationSchema = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("create"), data: TaskCreateSchema }),
  z.strictObject({ op: z.literal("update"), id: z.string().min(1).max(64), version: versionField, data: TaskUpdateSchema }),
  z.strictObject({ op: z.literal("delete"), id: z.string().min(1).max(64), version: versionField }),
]);

export const BatchRequestSchema = z
  .strictObject({ operations: z.array(BatchOperationSchema).min(1).max(100) })
  .openapi("TaskBatch");

export const BatchResultSchema = z
  .object({
    results: z.array(
      z.object({ op: z.enum(["create", "update", "delete"]), id: z.string(), task: TaskSchema.nullable() }),
    ),
  })
  .openapi("TaskBatchResult");

export type TaskCreate = z.infer<typeof TaskCreateSchema>;
export type TaskUpdate = z.infer<typeof TaskUpdateSchema>;
export type TaskListQuery = z.infer<typeof TaskListQuerySchema>;
export type BatchOperation = z.infer<typeof BatchOperationSchema>;
export type Task = z.infer<typeof TaskSchema>;
