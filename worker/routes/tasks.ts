import { createRoute, z } from "@hono/zod-openapi";
import { admitted } from "../admission/admitted";
import { cappedPageSize, searchRefused, underLoad } from "../admission/degradation";
import { STATS_REFRESH_AFTER_MS, statsRefreshClaims, statsSnapshots } from "../admission/stats-snapshots";
import { dbOf } from "../db/request-db";
import { isForeignKeyViolation } from "../db/constraint-errors";
import { applyTaskBatch } from "../db/task-batch";
import { deleteTask, findTask, insertTask, listTasks, taskStats, toTask, updateTask } from "../db/tasks-repo";
import type { LoadLevel } from "../../durable-objects/admission/contract";
import { ApiError, notFound } from "../errors";
import { etagOf, versionFromIfMatch } from "../lib/etag";
import { IdParamSchema, problemResponses } from "../schemas/common";
import {
  BatchRequestSchema,
  BatchResultSchema,
  TaskCreateSchema,
  TaskListQuerySchema,
  TaskListSchema,
  TaskSchema,
  TaskStatsSchema,
  TaskUpdateSchema,
} from "../schemas/task";
import { jsonBody, jsonResponse, tenantSecurity } from "./openapi-helpers";
import { createRouteApp } from "./route-app";

export const tasksApp = createRouteApp();

const security = tenantSecurity;
const json = jsonResponse;
const body = jsonBody;
const IfMatchHeader = z.object({ "if-match": z.string().optional().openapi({ description: 'Expected version as an ETag, e.g. "3"' }) });

const unknownAssignee = () =>
  new ApiError("invalid_input", "The assignee is not a user of this tenant", {
    errors: [{ path: "body.assigneeId", message: "no such user in this tenant" }],
  });

/** Both routes below may name an assignee that the database refuses (composite foreign key). */
async function withAssigneeCheck<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isForeignKeyViolation(err)) throw unknownAssignee();
    throw err;
  }
}

function expectedVersion(header: string | undefined): number | undefined {
  const version = versionFromIfMatch(header);
  if (version === "unmatchable") throw new ApiError("precondition_failed", "If-Match does not name a version of this task");
  return version;
}

const stale = () => new ApiError("precondition_failed", "The task has changed since the version in If-Match; fetch it again");

tasksApp.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listTasks",
    tags: ["tasks"],
    summary: "List tasks (filters, sort, cursor pagination)",
    security,
    request: { query: TaskListQuerySchema },
    responses: { 200: json(TaskListSchema, "A page of tasks"), ...problemResponses(400, 401, 429, 503) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const refuseSearch = (level: LoadLevel) => {
      if (!query.q || !searchRefused(level, c.get("requestPriority"))) return undefined;
      throw new ApiError("overloaded", "Text search is paused for low-priority requests while the service is under load", {
        headers: { "retry-after": "5", "x-degraded": "search" },
      });
    };
    return admitted(
      c,
      async () => {
        const level = c.get("loadLevel");
        refuseSearch(level);
        const page = cappedPageSize(query.limit, level);
        if (page.degraded) c.header("x-degraded", "page-size");
        return c.json(await listTasks(dbOf(c), c.get("tenant").id, { ...query, limit: page.limit }), 200);
      },
      // Known to be under load: refuse a low search here rather than after a round trip.
      { underLoad: refuseSearch },
    );
  },
);

tasksApp.openapi(
  createRoute({
    method: "get",
    path: "/stats",
    operationId: "getTaskStats",
    tags: ["tasks"],
    summary: "Counts by status and priority, and overdue tasks, computed in SQL",
    security,
    responses: { 200: json(TaskStatsSchema, "Task statistics"), ...problemResponses(401, 429, 503) },
  }),
  async (c) => {
    const tenantId = c.get("tenant").id;
    let refreshing = false;
    const fromSnapshot = () => {
      const snapshot = statsSnapshots.get(tenantId);
      if (!snapshot) return undefined;
      c.header("x-degraded", "stats-snapshot");
      return c.json(snapshot, 200);
    };
    // Under load: a snapshot in memory needs no D1 and so no slot, and is served without asking
    // the controller; but one request per 10 s refreshes an old or missing one, at high priority.
    const underLoadAnswer = () => {
      const snapshot = statsSnapshots.get(tenantId);
      const stale = !snapshot || Date.now() - Date.parse(snapshot.asOf) >= STATS_REFRESH_AFTER_MS;
      refreshing = stale && statsRefreshClaims.claim(tenantId);
      return refreshing ? undefined : fromSnapshot();
    };
    return admitted(
      c,
      async () => {
        const degraded = !refreshing && underLoad(c.get("loadLevel")) ? fromSnapshot() : undefined;
        if (degraded) return degraded;
        const stats = await taskStats(dbOf(c), tenantId, Date.now());
        statsSnapshots.set(tenantId, stats);
        return c.json(stats, 200);
      },
      { underLoad: underLoadAnswer, promote: () => (refreshing ? "high" : undefined) },
    );
  },
);

tasksApp.openapi(
  createRoute({
    method: "post",
    path: "/batch",
    operationId: "batchTasks",
    tags: ["tasks"],
    summary: "Apply up to 100 create/update/delete operations atomically",
    security,
    request: body(BatchRequestSchema),
    responses: { 200: json(BatchResultSchema, "Every operation applied"), ...problemResponses(400, 401, 409, 413, 415, 429, 503) },
  }),
  async (c) => admitted(c, async () => {
    const { operations } = c.req.valid("json");
    return c.json({ results: await applyTaskBatch(dbOf(c), c.get("tenant").id, operations, Date.now()) }, 200);
  }),
);

tasksApp.openapi(
  createRoute({
    method: "post",
    path: "/",
    operationId: "createTask",
    tags: ["tasks"],
    summary: "Create a task",
    security,
    request: body(TaskCreateSchema),
    responses: { 201: json(TaskSchema, "The created task"), ...problemResponses(400, 401, 413, 415, 429, 503) },
  }),
  async (c) => admitted(c, async () => {
    const row = await withAssigneeCheck(() => insertTask(dbOf(c), c.get("tenant").id, c.req.valid("json"), Date.now()));
    c.header("etag", etagOf(row.version));
    c.header("location", `/v1/tasks/${row.id}`);
    return c.json(toTask(row), 201);
  }),
);

tasksApp.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    operationId: "getTask",
    tags: ["tasks"],
    summary: "Get a task",
    security,
    request: { params: IdParamSchema },
    responses: { 200: json(TaskSchema, "The task, with its version as ETag"), ...problemResponses(401, 404, 429, 503) },
  }),
  async (c) => admitted(c, async () => {
    const row = await findTask(dbOf(c), c.get("tenant").id, c.req.valid("param").id);
    if (!row) throw notFound("Task");
    c.header("etag", etagOf(row.version));
    return c.json(toTask(row), 200);
  }),
);

tasksApp.openapi(
  createRoute({
    method: "patch",
    path: "/{id}",
    operationId: "updateTask",
    tags: ["tasks"],
    summary: "Update a task (If-Match for optimistic concurrency)",
    security,
    request: { params: IdParamSchema, headers: IfMatchHeader, ...body(TaskUpdateSchema) },
    responses: { 200: json(TaskSchema, "The updated task"), ...problemResponses(400, 401, 404, 412, 413, 415, 429, 503) },
  }),
  async (c) => admitted(c, async () => {
    const version = expectedVersion(c.req.header("if-match"));
    const result = await withAssigneeCheck(() =>
      updateTask(dbOf(c), c.get("tenant").id, c.req.valid("param").id, c.req.valid("json"), version, Date.now()),
    );
    if (result === "missing") throw notFound("Task");
    if (result === "stale") throw stale();
    c.header("etag", etagOf(result.version));
    return c.json(toTask(result), 200);
  }),
);

tasksApp.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    operationId: "deleteTask",
    tags: ["tasks"],
    summary: "Delete a task (If-Match honoured)",
    security,
    request: { params: IdParamSchema, headers: IfMatchHeader },
    responses: { 204: { description: "Deleted" }, ...problemResponses(401, 404, 412, 429, 503) },
  }),
  async (c) => admitted(c, async () => {
    const result = await deleteTask(dbOf(c), c.get("tenant").id, c.req.valid("param").id, expectedVersion(c.req.header("if-match")));
    if (result === "missing") throw notFound("Task");
    if (result === "stale") throw stale();
    return c.body(null, 204);
  }),
);
