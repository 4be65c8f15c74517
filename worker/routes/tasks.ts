import { createRoute, z } from "@hono/zod-openapi";
import { cappedPageSize, searchRefused, STATS_SNAPSHOT_MAX_AGE_MS, underLoad } from "../admission/degradation";
import { admit, type UnderLoadRefusal } from "../admission/route-admission";
import { readThrough } from "../cache/read-through";
import { listQueryKey } from "../cache/task-read-keys";
import { joinableFlights } from "../cache/task-read-caches";
import { readDataVersion } from "../db/data-version";
import { dbOf } from "../db/request-db";
import { isForeignKeyViolation } from "../db/constraint-errors";
import { applyTaskBatch, type BatchResult } from "../db/task-batch";
import { pageSource, statsSource } from "../db/task-read-sources";
import { deleteTask, findTask, insertTask, toTask, updateTask, type TaskRecord } from "../db/tasks-repo";
import { ApiError, notFound } from "../errors";
import { jsonAnswer, noContent } from "../idempotency/answer";
import { idempotent } from "../idempotency/idempotent";
import { etagOf, versionFromIfMatch } from "../lib/etag";
import { IdParamSchema, problemResponses } from "../schemas/common";
import { IfNoneMatchHeader, notModifiedResponse, withEtag } from "../schemas/conditional";
import { IdempotencyKeyHeader, replayable } from "../schemas/idempotency";
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
import { notModified, pageAnswer, pageUnchanged, snapshotAnswer, statsAnswer } from "./task-read-answers";
import { statsUnderLoad } from "./task-stats-under-load";

export const tasksApp = createRouteApp();

const security = tenantSecurity;
const json = jsonResponse;
const body = jsonBody;
const IfMatchHeader = z.object({ "if-match": z.string().optional().openapi({ description: 'Expected version as an ETag, e.g. "3"' }) });
const WriteHeaders = IfMatchHeader.extend(IdempotencyKeyHeader.shape);

/** A task as a write answers it, with its version as ETag. */
const taskAnswer = <S extends 200 | 201>(status: S, row: TaskRecord) =>
  jsonAnswer(status, toTask(row), { etag: etagOf(row.version), ...(status === 201 && { location: `/v1/tasks/${row.id}` }) });

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

const LIST_ETAG = "Names this page of this query at the tenant's current data version; any write of the tenant's tasks or users changes it";
const STATS_ETAG = "Weak: names these figures at the tenant's current data version; a write, or a due date passing, changes it";

const stale = () => new ApiError("precondition_failed", "The task has changed since the version in If-Match; fetch it again");

const searchPaused = () =>
  new ApiError("overloaded", "Text search is paused for low-priority requests while the service is under load", {
    headers: { "retry-after": "5", "x-degraded": "search" },
    extensions: { reason: "shed", reasonDetail: "search_paused", retryAfterMs: 5000 },
  });

/** Known to be under load: refuse a low search here (or at the Worker's door) rather than after a round trip. */
const refuseLowSearch: UnderLoadRefusal = (request, level) => (request.query("q") && searchRefused(level, request.priority) ? searchPaused() : undefined);

tasksApp.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listTasks",
    tags: ["tasks"],
    summary: "List tasks (filters, sort, cursor pagination)",
    security,
    request: { query: TaskListQuerySchema, headers: IfNoneMatchHeader },
    responses: {
      200: withEtag(json(TaskListSchema, "A page of tasks"), LIST_ETAG),
      304: notModifiedResponse(LIST_ETAG),
      ...problemResponses(400, 401, 429, 503),
    },
    admission: admit("normal", { refuseUnderLoad: refuseLowSearch }),
  }),
  async (c) => {
    const query = c.req.valid("query");
    const level = c.get("loadLevel");
    if (query.q && searchRefused(level, c.get("requestPriority"))) throw searchPaused();
    const page = cappedPageSize(query.limit, level);
    if (page.degraded) c.header("x-degraded", "page-size");
    const served = { ...query, limit: page.limit };
    const tenantId = c.get("tenant").id;
    const queryKey = listQueryKey(served);
    const caches = c.get("taskReads");
    const db = dbOf(c);
    const source = pageSource(db, tenantId, served, () => readDataVersion(db, tenantId));
    // A list's ETag needs only the version: a client whose page is current gets its 304 from one small query.
    let knownVersion: number | undefined;
    if (c.req.header("if-none-match") !== undefined) {
      knownVersion = await source.version();
      if (pageUnchanged(c, tenantId, knownVersion, queryKey)) return notModified(c);
    }
    const read = await readThrough(caches.pages, `${tenantId}\n${queryKey}`, source, { now: Date.now, knownVersion, check: caches.pageChecks.for(tenantId), flights: joinableFlights(caches, caches.pageFlights) });
    return pageAnswer(c, read, tenantId, queryKey);
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
    request: { headers: IfNoneMatchHeader },
    responses: {
      200: withEtag(json(TaskStatsSchema, "Task statistics"), STATS_ETAG),
      304: notModifiedResponse(STATS_ETAG),
      ...problemResponses(401, 429, 503),
    },
    // Stats scan every task of the tenant: by default they cost more of the budget than a read.
    admission: admit("low", { cost: 5, underLoad: statsUnderLoad }),
  }),
  async (c) => {
    const tenantId = c.get("tenant").id;
    const caches = c.get("taskReads");
    const now = Date.now();
    const snapshot = underLoad(c.get("loadLevel")) && !c.get("refresh") ? caches.stats.peek(tenantId) : undefined;
    if (snapshot && now - snapshot.verifiedAt < STATS_SNAPSHOT_MAX_AGE_MS) {
      caches.stats.count("hit");
      return snapshotAnswer(c, tenantId, snapshot, now);
    }
    const db = dbOf(c);
    const source = statsSource(db, tenantId, Date.now, () => readDataVersion(db, tenantId));
    const read = await readThrough(caches.stats, tenantId, source, { now: Date.now, trueUntil: (v) => v.trueUntil, check: caches.statsChecks.for(tenantId), flights: joinableFlights(caches, caches.statsFlights) });
    return statsAnswer(c, tenantId, read);
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
    request: { headers: IdempotencyKeyHeader, ...body(BatchRequestSchema) },
    responses: { 200: replayable(json(BatchResultSchema, "Every operation applied")), ...problemResponses(400, 401, 409, 413, 415, 422, 429, 503) },
    admission: admit("low", { cost: 5 }),
  }),
  async (c) =>
    idempotent(c, async (tx) => {
      const batchAnswer = (results: BatchResult[]) => jsonAnswer(200, { results });
      const results = await applyTaskBatch(tx.db, c.get("tenant").id, c.req.valid("json").operations, Date.now(), tx.commit(batchAnswer));
      return batchAnswer(results);
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
    request: { headers: IdempotencyKeyHeader, ...body(TaskCreateSchema) },
    responses: { 201: replayable(json(TaskSchema, "The created task")), ...problemResponses(400, 401, 409, 413, 415, 422, 429, 503) },
    admission: admit("high"),
  }),
  async (c) =>
    idempotent(c, async (tx) => {
      const created = (row: TaskRecord) => taskAnswer(201, row);
      const row = await withAssigneeCheck(() => insertTask(tx.db, c.get("tenant").id, c.req.valid("json"), Date.now(), tx.commit(created)));
      return created(row);
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
    admission: admit("high"),
  }),
  async (c) => {
    const row = await findTask(dbOf(c), c.get("tenant").id, c.req.valid("param").id);
    if (!row) throw notFound("Task");
    c.header("etag", etagOf(row.version));
    return c.json(toTask(row), 200);
  },
);

tasksApp.openapi(
  createRoute({
    method: "patch",
    path: "/{id}",
    operationId: "updateTask",
    tags: ["tasks"],
    summary: "Update a task (If-Match for optimistic concurrency)",
    security,
    request: { params: IdParamSchema, headers: WriteHeaders, ...body(TaskUpdateSchema) },
    responses: { 200: replayable(json(TaskSchema, "The updated task")), ...problemResponses(400, 401, 404, 409, 412, 413, 415, 422, 429, 503) },
    admission: admit("high"),
  }),
  async (c) =>
    idempotent(c, async (tx) => {
      const version = expectedVersion(c.req.header("if-match"));
      const updated = (row: TaskRecord) => taskAnswer(200, row);
      const result = await withAssigneeCheck(() =>
        updateTask(tx.db, c.get("tenant").id, c.req.valid("param").id, c.req.valid("json"), version, Date.now(), tx.commit(updated)),
      );
      if (result === "missing") throw notFound("Task");
      if (result === "stale") throw stale();
      return updated(result);
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
    request: { params: IdParamSchema, headers: WriteHeaders },
    responses: { 204: replayable({ description: "Deleted" }), ...problemResponses(401, 404, 409, 412, 422, 429, 503) },
    admission: admit("high"),
  }),
  async (c) =>
    idempotent(c, async (tx) => {
      const version = expectedVersion(c.req.header("if-match"));
      const result = await deleteTask(tx.db, c.get("tenant").id, c.req.valid("param").id, version, tx.commit(() => noContent));
      if (result === "missing") throw notFound("Task");
      if (result === "stale") throw stale();
      return noContent;
    }),
);
