import { createRoute } from "@hono/zod-openapi";
import { admit } from "../admission/route-admission";
import { readDataVersion } from "../db/data-version";
import { dbOf } from "../db/request-db";
import { IfNoneMatchHeader, notModifiedResponse, withEtag } from "../schemas/conditional";
import type { UserRow } from "../db/schema";
import { deleteUser, findUser, insertUser, listUsers, toUser, updateUser } from "../db/users-repo";
import { notFound } from "../errors";
import { jsonAnswer, noContent } from "../idempotency/answer";
import { idempotent } from "../idempotency/idempotent";
import { IdParamSchema, problemResponses } from "../schemas/common";
import { IdempotencyKeyHeader, replayable } from "../schemas/idempotency";
import { UserCreateSchema, UserListQuerySchema, UserListSchema, UserSchema, UserUpdateSchema } from "../schemas/user";
import { jsonBody, jsonResponse, tenantSecurity as security } from "./openapi-helpers";
import { createRouteApp } from "./route-app";
import { notModified, pageUnchanged } from "./task-read-answers";

export const usersApp = createRouteApp();

const USER_LIST_ETAG = "The page's tag, from the tenant's data version (which every write bumps) and the query";

usersApp.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listUsers",
    tags: ["users"],
    summary: "List the tenant's users",
    security,
    request: { query: UserListQuerySchema, headers: IfNoneMatchHeader },
    responses: {
      200: withEtag(jsonResponse(UserListSchema, "A page of users"), USER_LIST_ETAG),
      304: notModifiedResponse(USER_LIST_ETAG),
      ...problemResponses(400, 401, 429, 503),
    },
    admission: admit("normal"),
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const tenantId = c.get("tenant").id;
    const db = dbOf(c);
    // The version before the rows: a write between the two leaves a tag older than the page,
    // which only costs a full answer next time, never a 304 for a page that changed.
    const version = await readDataVersion(db, tenantId);
    if (pageUnchanged(c, tenantId, version, `users?limit=${limit}&cursor=${cursor ?? ""}`)) return notModified(c);
    return c.json(await listUsers(db, tenantId, limit, cursor), 200);
  },
);

usersApp.openapi(
  createRoute({
    method: "post",
    path: "/",
    operationId: "createUser",
    tags: ["users"],
    summary: "Create a user (email unique per tenant)",
    security,
    request: { headers: IdempotencyKeyHeader, ...jsonBody(UserCreateSchema) },
    responses: { 201: replayable(jsonResponse(UserSchema, "The created user")), ...problemResponses(400, 401, 409, 413, 415, 422, 429, 503) },
    admission: admit("normal"),
  }),
  async (c) =>
    idempotent(c, async (tx) => {
      const created = (row: UserRow) => jsonAnswer(201, toUser(row), { location: `/v1/users/${row.id}` });
      return created(await insertUser(tx.db, c.get("tenant").id, c.req.valid("json"), Date.now(), tx.commit(created)));
    }),
);

usersApp.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    operationId: "getUser",
    tags: ["users"],
    summary: "Get a user",
    security,
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(UserSchema, "The user"), ...problemResponses(401, 404, 429, 503) },
    admission: admit("normal"),
  }),
  async (c) => {
    const row = await findUser(dbOf(c), c.get("tenant").id, c.req.valid("param").id);
    if (!row) throw notFound("User");
    return c.json(toUser(row), 200);
  },
);

usersApp.openapi(
  createRoute({
    method: "patch",
    path: "/{id}",
    operationId: "updateUser",
    tags: ["users"],
    summary: "Update a user",
    security,
    request: { params: IdParamSchema, headers: IdempotencyKeyHeader, ...jsonBody(UserUpdateSchema) },
    responses: { 200: replayable(jsonResponse(UserSchema, "The updated user")), ...problemResponses(400, 401, 404, 409, 413, 415, 422, 429, 503) },
    admission: admit("normal"),
  }),
  async (c) =>
    idempotent(c, async (tx) => {
      const updated = (row: UserRow) => jsonAnswer(200, toUser(row));
      const row = await updateUser(tx.db, c.get("tenant").id, c.req.valid("param").id, c.req.valid("json"), Date.now(), tx.commit(updated));
      if (!row) throw notFound("User");
      return updated(row);
    }),
);

usersApp.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    operationId: "deleteUser",
    tags: ["users"],
    summary: "Delete a user; their tasks become unassigned",
    security,
    request: { params: IdParamSchema, headers: IdempotencyKeyHeader },
    responses: { 204: replayable({ description: "Deleted" }), ...problemResponses(401, 404, 409, 422, 429, 503) },
    admission: admit("normal"),
  }),
  async (c) =>
    idempotent(c, async (tx) => {
      if (!(await deleteUser(tx.db, c.get("tenant").id, c.req.valid("param").id, Date.now(), tx.commit(() => noContent)))) throw notFound("User");
      return noContent;
    }),
);
