import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTask, createTenant, createUser, generousQuota, json } from "./helpers";

/** What a stranger (another tenant's key) can do with our task ids: nothing, and learn nothing. */
describe("tasks: tenant isolation", () => {
  async function twoTenants() {
    const owner = await createTenant(generousQuota);
    const stranger = await createTenant(generousQuota);
    const task = await createTask(owner, { title: "secret plan", description: "confidential", priority: "high" });
    return { owner, stranger, task };
  }

  it("another tenant's task id is a 404 on read, update and delete, and nothing changes", async () => {
    const { owner, stranger, task } = await twoTenants();
    expect((await call("GET", `/v1/tasks/${task.id}`, { token: stranger.apiKey })).status).toBe(404);
    expect((await call("PATCH", `/v1/tasks/${task.id}`, { token: stranger.apiKey, body: { title: "pwned" } })).status).toBe(404);
    expect((await call("PATCH", `/v1/tasks/${task.id}`, { token: stranger.apiKey, body: { title: "pwned" }, headers: { "if-match": '"1"' } })).status).toBe(404);
    expect((await call("DELETE", `/v1/tasks/${task.id}`, { token: stranger.apiKey })).status).toBe(404);
    const still = await json(await call("GET", `/v1/tasks/${task.id}`, { token: owner.apiKey }));
    expect(still).toMatchObject({ title: "secret plan", version: 1 });
  });

  it("lists, search and stats never include another tenant's tasks", async () => {
    const { stranger } = await twoTenants();
    const list = await json<{ data: unknown[] }>(await call("GET", "/v1/tasks", { token: stranger.apiKey }));
    expect(list.data).toEqual([]);
    const search = await json<{ data: unknown[] }>(await call("GET", "/v1/tasks?q=secret", { token: stranger.apiKey }));
    expect(search.data).toEqual([]);
    const stats = await json(await call("GET", "/v1/tasks/stats", { token: stranger.apiKey }));
    expect(stats).toMatchObject({ total: 0, overdue: 0 });
  });

  it("a batch cannot update or delete another tenant's task, and writes nothing", async () => {
    const { owner, stranger, task } = await twoTenants();
    const res = await call("POST", "/v1/tasks/batch", {
      token: stranger.apiKey,
      body: { operations: [{ op: "create", data: { title: "mine" } }, { op: "update", id: task.id, data: { title: "pwned" } }, { op: "delete", id: task.id }] },
    });
    expect(res.status).toBe(400);
    const problem = await json<{ errors: { path: string; message: string }[] }>(res);
    expect(problem.errors.map((e) => e.message)).toContain("task not found");
    expect((await json<{ data: unknown[] }>(await call("GET", "/v1/tasks", { token: stranger.apiKey }))).data).toEqual([]);
    expect(await json(await call("GET", `/v1/tasks/${task.id}`, { token: owner.apiKey }))).toMatchObject({ title: "secret plan" });
  });

  it("a task cannot be assigned to another tenant's user, directly, by update or by batch", async () => {
    const { owner, stranger } = await twoTenants();
    const foreignUser = await createUser(owner);
    const create = await call("POST", "/v1/tasks", { token: stranger.apiKey, body: { title: "x", assigneeId: foreignUser.id } });
    expect(create.status).toBe(400);
    const own = await createTask(stranger);
    expect((await call("PATCH", `/v1/tasks/${own.id}`, { token: stranger.apiKey, body: { assigneeId: foreignUser.id } })).status).toBe(400);
    const batch = await call("POST", "/v1/tasks/batch", { token: stranger.apiKey, body: { operations: [{ op: "create", data: { title: "y", assigneeId: foreignUser.id } }] } });
    expect(batch.status).toBe(400);
    // Filtering by a foreign user's id reveals nothing either.
    expect((await json<{ data: unknown[] }>(await call("GET", `/v1/tasks?assigneeId=${foreignUser.id}`, { token: stranger.apiKey }))).data).toEqual([]);
  });

  it("the database itself refuses a cross-tenant assignee", async () => {
    const { owner, stranger } = await twoTenants();
    const foreignUser = await createUser(owner);
    const insert = env.DB.prepare(
      "INSERT INTO tasks (id, tenant_id, title, status, priority, assignee_id, created_at, updated_at) VALUES (?, ?, 'x', 'pending', 'low', ?, 0, 0)",
    ).bind(crypto.randomUUID(), stranger.id, foreignUser.id);
    await expect(insert.run()).rejects.toThrow(/FOREIGN KEY/);
  });
});
